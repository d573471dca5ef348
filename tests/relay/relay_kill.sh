#!/bin/bash
# relay_kill.sh — the relay daemon dies while a host streams to it.
#
# The host's filesystem keeps serving (the workload's second half, run
# after the relay is gone, completes and leaves its files), record says
# the relay's copy may be incomplete and exits 124 (command succeeded,
# recording incomplete); importing what the relay stored gives a session
# marked incomplete with the reason, and so does the live import that was
# following the session.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../replay/lib.sh"
. "$here/lib.sh"
relay_test_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
half1="$out/half1-done" killed="$out/relay-killed"
workload='for i in $(seq 1 50); do echo $i > a$i; done; cat a* > /dev/null; touch "$1"
	for i in $(seq 300); do [ -e "$2" ] && break; sleep 0.1; done
	[ -e "$2" ] || { echo "workload: relay never killed" >&2; exit 3; }
	for i in $(seq 1 50); do echo $i > b$i; done; cat b* > /dev/null'
# a live import follows the session too
"$FUSETRACE" import --live "$RELAY_LIVE/host/hostK/cut" "$out/live.db" > "$out/live.log" 2>&1 &
imp=$!
ft_track_pid "$imp"
host_run hostK "$FUSETRACE" record --db "$out/K.db" --lttng-url="$RELAY_URL" --lttng-session=cut "$dir" \
	-- sh -c "$workload" sh "$half1" "$killed" > "$out/K.log" 2>&1 &
host=$!
ft_track_pid "$host"

# Kill the relay once it holds the first half's requests (the live timer
# flushes every second): bounded wait.
for i in $(seq 300); do [ -e "$half1" ] && break; sleep 0.1; done
[ -e "$half1" ] || { cat "$out/K.log"; ft_fail "the workload's first half did not finish"; }
for i in $(seq 200); do
	n=$(babeltrace2 "$RELAY_OUT" 2>/dev/null | grep -c ' fusetrace:request: ')
	[ "${n:-0}" -ge 100 ] && break
	sleep 0.1
done
[ "${n:-0}" -ge 100 ] || ft_fail "the relay never received the first half (requests: ${n:-0})"
# ... and the live import has received them from it: it polls the relay
# and lags behind the relay's disk, more so on a loaded machine.
live_wait_rows "$out/live.db" "SELECT count(*) FROM request" 100 "$out/live.log" "the first half's requests"
relay_kill
touch "$killed"
wait "$host"; rc=$?
cat "$out/K.log"
expect "record's status (command ok, recording incomplete)" "$rc" 124
grep -q "stopping the LTTng session streaming to $RELAY_URL" "$out/K.log" \
	|| ft_fail "record did not say the relay's copy may be incomplete"
# the filesystem kept serving: every file of the second half is there
expect "files written after the relay died" "$(ls "$dir" | grep -c '^b')" 50
expect "content after the relay died" "$(cat "$dir/b50")" 50
# the local database is whole
expect "local recording status" "$(q "$out/K.db" 'SELECT status FROM session')" complete

"$FUSETRACE" import "$(relay_session_dir hostK)" "$out/central.db" > "$out/import.log" 2>&1 \
	|| { cat "$out/import.log"; ft_fail "import of the cut trace failed"; }
expect "imported status" "$(q "$out/central.db" 'SELECT status FROM session')" incomplete
reason=$(q "$out/central.db" 'SELECT incomplete_reason FROM session')
case $reason in *"no end-of-session event"*) echo "ok: reason: $reason" ;;
	*) ft_fail "imported reason: '$reason'" ;; esac
expect_ge "imported requests (first half at least)" "$(q "$out/central.db" 'SELECT count(*) FROM request')" 100
expect_le "imported requests (not more than the host saw)" "$(q "$out/central.db" 'SELECT count(*) FROM request')" \
	"$(q "$out/K.db" 'SELECT count(*) FROM request')"
# the live import ends when the relay goes away, keeping what it received
for i in $(seq 600); do kill -0 "$imp" 2>/dev/null || break; sleep 0.1; done
kill -0 "$imp" 2>/dev/null && { cat "$out/live.log"; ft_fail "the live import did not end when the relay died"; }
wait "$imp"; rc=$?
cat "$out/live.log"
expect "live import status (session incomplete)" "$rc" 1
expect "live database status" "$(q "$out/live.db" 'SELECT status FROM session')" incomplete
reason=$(q "$out/live.db" 'SELECT incomplete_reason FROM session')
case $reason in *"live stream was cut"*) echo "ok: live reason: $reason" ;;
	*) ft_fail "live import reason: '$reason'" ;; esac
expect_ge "live requests (first half at least)" "$(q "$out/live.db" 'SELECT count(*) FROM request')" 100
ft_check_no_dstate
echo "relay_kill: the host kept serving, the cut session imports as incomplete"
