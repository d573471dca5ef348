#!/bin/bash
# live.sh — `fusetrace import --live` follows a session while a host
# records it through the relay.
#
# The live import is started first (it waits for the session to exist).
# Host L records a workload in two halves; between them the test sees the
# first half's requests in the live database, which still says
# 'recording' (its importer holds it); after the second half the import
# ends by itself, complete, with exactly the host's local rows.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../replay/lib.sh"
. "$here/lib.sh"
relay_test_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
live=$out/live.db half1=$out/half1-done go=$out/go-on

"$FUSETRACE" import --live "$RELAY_LIVE/host/hostL/build-42" "$live" > "$out/import.log" 2>&1 &
imp=$!
ft_track_pid "$imp"

workload='for i in $(seq 1 40); do echo $i > a$i; done; cat a* > /dev/null; touch "$1"
	for i in $(seq 300); do [ -e "$2" ] && break; sleep 0.1; done
	[ -e "$2" ] || { echo "workload: never told to go on" >&2; exit 3; }
	for i in $(seq 1 40); do echo $i > b$i; done; cat b* > /dev/null'
host_run hostL "$FUSETRACE" record --db "$out/L.db" --lttng-url="$RELAY_URL" --lttng-session=build-42 \
	"$dir" -- sh -c "$workload" sh "$half1" "$go" > "$out/L.log" 2>&1 &
host=$!
ft_track_pid "$host"

for i in $(seq 300); do [ -e "$half1" ] && break; sleep 0.1; done
[ -e "$half1" ] || { cat "$out/L.log"; ft_fail "the workload's first half did not finish"; }
# the first half reaches the live database while the session runs
live_wait_rows "$live" "SELECT count(*) FROM request WHERE opcode = 16" 40 "$out/import.log" "the first half's writes"
n=$(q "$live" "SELECT count(*) FROM request WHERE opcode = 16")
echo "ok: first half live: $n writes while the session runs"
# the importer holds the database as a recorder does: readers call it
# recording (not a killed recording's 'incomplete')
"$FUSETRACE" stats "$live" > "$out/stats-live.txt" || ft_fail "stats of the live database failed"
grep -q '^Status  *recording' "$out/stats-live.txt" || { cat "$out/stats-live.txt"; ft_fail "the live database is not reported as recording"; }
kill -0 "$imp" 2>/dev/null || ft_fail "the live import ended before the session did"
# the viewer follows the live database (a real terminal: tmux)
if command -v tmux >/dev/null; then
	T="tmux -S $out/tmux.sock"
	# keep the test's status for ft_cleanup
	trap 'st=$?; $T kill-server 2>/dev/null; (exit $st); ft_cleanup' EXIT
	$T -f /dev/null new-session -d -s v -x 120 -y 40 -e LANG=C.UTF-8 -e TERM=tmux-256color \
		"$FUSETRACE view -f $live; sleep 600" || ft_fail "tmux new-session"
	screen_has() {
		local i
		for i in $(seq 200); do $T capture-pane -p -t v | grep -Eq -- "$1" && return 0; sleep 0.1; done
		$T capture-pane -p -t v; ft_fail "the viewer never showed /$1/"
	}
	screen_has '\[recording, live\]'
	screen_has 'FOLLOW'
	echo "ok: view -f shows the live database as a live recording"
else
	ft_fail "tmux missing (the viewer's follow mode on a live import is tested in it)"
fi
touch "$go"

wait "$host"; rc=$?
[ "$rc" = 0 ] || { cat "$out/L.log"; ft_fail "host L: record exited $rc"; }
# the session's end ends the import (bounded wait)
for i in $(seq 600); do kill -0 "$imp" 2>/dev/null || break; sleep 0.1; done
kill -0 "$imp" 2>/dev/null && { cat "$out/import.log"; ft_fail "the live import did not end with the session"; }
wait "$imp"; rc=$?
cat "$out/import.log"
expect "live import status" "$rc" 0
expect "live database status" "$(q "$live" 'SELECT status FROM session')" complete
expect "live database host" "$(q "$live" 'SELECT host FROM session')" hostL
for t in request reply inode_event fh_event backing_call forget; do
	expect "$t rows, live vs local" "$(q "$live" "SELECT count(*) FROM $t")" "$(q "$out/L.db" "SELECT count(*) FROM $t")"
done
expect "writes in the live database" "$(q "$live" "SELECT count(*) FROM request WHERE opcode = 16")" \
	"$(q "$out/L.db" "SELECT count(*) FROM request WHERE opcode = 16")"
expect "live database mode" "$(stat -c %a "$live")" 600
nreq=$(q "$live" "SELECT max(id) FROM request")
screen_has '\[complete\]'
screen_has "#$nreq/$nreq"
echo "ok: the viewer followed to the session's last request (#$nreq) and shows it complete"
$T kill-server 2>/dev/null

# a live import that joins after the session started is refused, not wrong:
# here the session is over, the import waits for it to exist again; stopped
"$FUSETRACE" import --live "$RELAY_LIVE/host/hostL/none-such" "$out/none.db" > "$out/none.log" 2>&1 &
p=$!; ft_track_pid "$p"
sleep 1; kill -INT "$p"
for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
wait "$p"; rc=$?
expect "live import stopped before any session: status" "$rc" 1
grep -q "stopped before the session started" "$out/none.log" || { cat "$out/none.log"; ft_fail "no clear message"; }
[ ! -e "$out/none.db" ] || ft_fail "a database was left for a session never seen"
ft_check_no_dstate
echo "live: the import followed the running session and ended complete"
