#!/bin/bash
# fleet.sh — two hosts stream to one relay; one import makes ONE database
# holding both sessions (a fleet database), and every reader works per
# session and across them.
#
# Hosts A and B (namespaces with their own hostname and session daemon,
# tests/relay/lib.sh) each record a workload with a local database and
# stream it to one lttng-relayd; B starts over a second after A, so their
# clocks' starts differ.  `import --relay RELAY_DIR -o fleet.db` gives one
# file with one session row per host; each session holds exactly the
# host's local row counts; `stats --by=host fleet.db` gives each host's
# numbers, with the percentiles `stats --session HOST` gives for the same
# rows; importing the sessions again is refused and changes nothing;
# host B's rows carry B's wall clock; the viewer shows one host's
# session, and only its requests.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../replay/lib.sh"
. "$here/lib.sh"
relay_test_init
command -v tmux >/dev/null || ft_fail "tmux missing (the viewer is tested in it)"
out=$(ft_tmpdir)
# distinct file names per host (the viewer check looks for them), a
# failing lookup each (errors), a rename
workload='mkdir d && for i in $(seq 1 "$2"); do echo $i > d/$1$i; done && cat d/* > /dev/null &&
	mv d/${1}1 d/${1}x && { ls d/nosuch 2>/dev/null; true; } && rm -r d'

dirA=$(ft_tmpdir); dirB=$(ft_tmpdir)
host_run hostA "$FUSETRACE" record --db "$out/A.db" --lttng-url="$RELAY_URL" --lttng-session=buildA \
	"$dirA" -- sh -c "$workload" sh alpha 40 > "$out/A.log" 2>&1 \
	|| { cat "$out/A.log"; ft_fail "host A: record --lttng-url failed"; }
sleep 1.1
host_run hostB "$FUSETRACE" record --db "$out/B.db" --lttng-url="$RELAY_URL" --lttng-session=buildB \
	"$dirB" -- sh -c "$workload" sh beta 70 > "$out/B.log" 2>&1 \
	|| { cat "$out/B.log"; ft_fail "host B: record --lttng-url failed"; }

fleet=$out/fleet.db
"$FUSETRACE" import --relay "$RELAY_OUT" -o "$fleet" > "$out/import.log" 2>&1; rc=$?
cat "$out/import.log"
expect "import --relay -o: status" "$rc" 0
grep -q "2 sessions added to $fleet, 0 refused (already there), 0 failed" "$out/import.log" \
	|| ft_fail "import --relay -o summary"
expect "fleet database mode" "$(stat -c %a "$fleet")" 600
expect "one database, two sessions" "$(q "$fleet" 'SELECT group_concat(id || host, " ") FROM session')" \
	"1hostA 2hostB"
for h in A B; do
	expect "host $h: session name = the relay's session directory" \
		"$(q "$fleet" "SELECT session_name FROM session WHERE host = 'host$h'")" \
		"$(basename "$(relay_session_dir host$h)")"
	expect "host $h: same session as the local recording" \
		"$(q "$fleet" "SELECT uuid FROM session WHERE host = 'host$h'")" "$(q "$out/$h.db" 'SELECT uuid FROM session')"
	# each session holds exactly what the host's local database holds,
	# counted through `sql --session` (the readers' selection) ...
	for t in request reply inode_event fh_event backing_call forget; do
		expect "host $h: $t rows, fleet session vs local" \
			"$("$FUSETRACE" sql --csv --session host$h "$fleet" "SELECT count(*) FROM $t" | tail -1 | tr -d '\r')" \
			"$(q "$out/$h.db" "SELECT count(*) FROM $t")"
	done
	# ... and through the op view's session_id over the whole database
	expect "host $h: op rows by session_id" \
		"$(q "$fleet" "SELECT count(*) FROM op WHERE host = 'host$h'")" "$(q "$out/$h.db" 'SELECT count(*) FROM request')"
	expect "host $h: requests by opcode" \
		"$(q "$fleet" "SELECT group_concat(opcode || ':' || n) FROM (SELECT opcode, count(*) n FROM op
		   WHERE host = 'host$h' GROUP BY 1 ORDER BY 1)")" \
		"$(q "$out/$h.db" "SELECT group_concat(opcode || ':' || n) FROM (SELECT opcode, count(*) n FROM op
		   GROUP BY 1 ORDER BY 1)")"
done
expect_ge "host B's files in the fleet database" \
	"$(q "$fleet" "SELECT count(*) FROM op WHERE session_id = 2 AND opcode = 35 AND name LIKE 'beta%'")" 70
expect "no host B file in host A's session" \
	"$(q "$fleet" "SELECT count(*) FROM op WHERE session_id = 1 AND name LIKE 'beta%'")" 0

# stats --by=host on the one database: each host's numbers ...
"$FUSETRACE" stats --by=host "$fleet" > "$out/byhost.txt" || { cat "$out/byhost.txt"; ft_fail "stats --by=host fleet.db failed"; }
cat "$out/byhost.txt"
for h in A B; do
	line=$(grep "^host$h " "$out/byhost.txt") || ft_fail "stats --by=host: no line for host$h"
	read -r _ sessions incomplete requests errors p50 p95 max lost <<<"$line"
	expect "by=host host$h: sessions" "$sessions" 1
	expect "by=host host$h: incomplete" "$incomplete" 0
	expect "by=host host$h: requests" "$requests" "$(q "$out/$h.db" 'SELECT count(*) FROM request')"
	expect "by=host host$h: errors" "$errors" "$(q "$out/$h.db" 'SELECT count(*) FROM reply WHERE error <> 0')"
	expect_ge "by=host host$h: errors (the failing lookup)" "$errors" 1
	expect "by=host host$h: events lost" "$lost" 0
	# ... with the percentiles of `stats --session HOST`, over the same rows
	"$FUSETRACE" stats --session "host$h" "$fleet" > "$out/stats-$h.txt" || ft_fail "stats --session host$h failed"
	lat=$(grep '^Latency ' "$out/stats-$h.txt") || { cat "$out/stats-$h.txt"; ft_fail "stats --session: no Latency line"; }
	expect "host$h: stats --session latency = stats --by=host's" "$lat" \
		"Latency      p50 $p50, p95 $p95, max $max over $(q "$fleet" "SELECT count(*) FROM op WHERE host = 'host$h' AND latency_ns IS NOT NULL") answered requests"
	grep -q "^Host         host$h," "$out/stats-$h.txt" || ft_fail "stats --session host$h: not host$h's facts"
done
# the whole database: one line per session, counts summed
"$FUSETRACE" stats "$fleet" > "$out/stats-all.txt" || ft_fail "stats fleet.db failed"
grep -q "^Sessions     2 (schema 4); status complete" "$out/stats-all.txt" || { cat "$out/stats-all.txt"; ft_fail "stats: no sessions line"; }
expect "stats of the fleet: requests" "$(sed -n 's/^Requests     \([0-9]*\) .*/\1/p' "$out/stats-all.txt")" \
	$(( $(q "$out/A.db" 'SELECT count(*) FROM request') + $(q "$out/B.db" 'SELECT count(*) FROM request') ))

# importing the same sessions again: refused, named, nothing changed
sum=$(md5sum < "$fleet")
"$FUSETRACE" import --relay "$RELAY_OUT" -o "$fleet" > "$out/again.log" 2>&1; rc=$?
cat "$out/again.log"
expect "second import -o: status" "$rc" 1
expect "second import -o: sessions refused" "$(grep -c 'is already in the database as session [12]: refused' "$out/again.log")" 2
expect "second import -o: database unchanged" "$(md5sum < "$fleet")" "$sum"
# one session directory again, alone: refused too
"$FUSETRACE" import -o "$fleet" "$(relay_session_dir hostB)" > "$out/again1.log" 2>&1; rc=$?
expect "host B's session imported again: status" "$rc" 1
grep -q "already in the database as session 2: refused" "$out/again1.log" || { cat "$out/again1.log"; ft_fail "no refusal message"; }

# wall clock: host B's rows use B's own clock.  B's own import (a
# recording of its own) shows the wall times B's clock gives; the fleet's
# session 2 shows the same, and B started over a second after A, so
# session 1's clock would give other times.
"$FUSETRACE" import -o "$out/B-alone.db" "$(relay_session_dir hostB)" > /dev/null 2>&1 \
	|| ft_fail "importing host B's session alone failed"
expect "starts differ by over a second" \
	"$(q "$fleet" 'SELECT (SELECT start_realtime_ns FROM session WHERE id = 2) - (SELECT start_realtime_ns FROM session WHERE id = 1) > 1000000000')" 1
expect "host B's wall times in the fleet = in its own recording (digest)" \
	"$(q "$fleet" 'SELECT wall_time FROM op WHERE session_id = 2 ORDER BY id' | md5sum)" \
	"$(q "$out/B-alone.db" 'SELECT wall_time FROM op ORDER BY id' | md5sum)"
first_b=$(q "$fleet" "SELECT wall_time FROM op WHERE session_id = 2 ORDER BY id LIMIT 1")
last_a=$(q "$fleet" "SELECT wall_time FROM op WHERE session_id = 1 ORDER BY id DESC LIMIT 1")
[[ "$first_b" > "$last_a" ]] || ft_fail "host B's first request ($first_b) is not after host A's last ($last_a) in wall time"
echo "ok: wall time: A ends $last_a, B starts $first_b"
# a single selected session reads exactly like its host's own recording
expect "sql --session hostB = B's own recording" \
	"$("$FUSETRACE" sql --csv --session hostB "$fleet" 'SELECT * FROM op' | md5sum)" \
	"$("$FUSETRACE" sql --csv "$out/B-alone.db" 'SELECT * FROM op' | md5sum)"
expect "export --session hostB = B's own export" \
	"$("$FUSETRACE" export "$fleet" --session hostB --format=jsonl 2>/dev/null | md5sum)" \
	"$("$FUSETRACE" export "$out/B-alone.db" --format=jsonl 2>/dev/null | md5sum)"
"$FUSETRACE" export "$fleet" --format=jsonl > /dev/null 2> "$out/export-all.log"; rc=$?
expect "export of the whole fleet: status" "$rc" 1
grep -q "a fleet database of 2 sessions: export one at a time with --session ID" "$out/export-all.log" \
	|| { cat "$out/export-all.log"; ft_fail "export of a fleet: no clear message"; }

# the viewer (a real terminal): one host's session, only its requests
T="tmux -S $out/tmux.sock"
trap 'st=$?; $T kill-server 2>/dev/null; (exit $st); ft_cleanup' EXIT
W=v  # the tmux session looked at
screen() { $T capture-pane -p -t $W; }
screen_has() {
	local i
	for i in $(seq 200); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done
	screen; ft_fail "the viewer never showed /$1/"
}
$T -f /dev/null new-session -d -s v -x 160 -y 60 -e LANG=C.UTF-8 -e TERM=tmux-256color \
	"$FUSETRACE view --session hostB $fleet; sleep 600" || ft_fail "tmux new-session"
screen_has '<session 2 of 2: hostB buildB-'
screen_has '/d/beta1 '
screen | grep -q 'alpha' && { screen; ft_fail "the viewer of host B's session shows host A's files"; }
# the last request of B's session is the last the viewer reaches
n_b=$(q "$out/B.db" 'SELECT count(*) FROM request')
$T send-keys -t v G
screen_has "#$n_b/$n_b "
screen | grep -q 'alpha' && { screen; ft_fail "the viewer of host B's session shows host A's files"; }
echo "ok: view --session hostB: host B's $n_b requests only"
# without --session: the first session, named in the title (a second
# tmux session: killing the only one would end the server under us)
W=w
$T new-session -d -s w -x 160 -y 60 -e LANG=C.UTF-8 -e TERM=tmux-256color \
	"$FUSETRACE view $fleet; sleep 600" || ft_fail "tmux new-session"
screen_has '<session 1 of 2: hostA buildA-'
screen_has '/d/alpha1 '
screen | grep -q 'beta' && { screen; ft_fail "the viewer of host A's session shows host B's files"; }
$T kill-server
"$FUSETRACE" view --session hostC "$fleet" > "$out/view-c.log" 2>&1 < /dev/null; rc=$?
expect "view --session of a host not there: status" "$rc" 1
grep -q "no session of host hostC in this database (sessions: 1 (hostA), 2 (hostB))" "$out/view-c.log" \
	|| { cat "$out/view-c.log"; ft_fail "view --session: no clear message"; }

relay_kill
ft_check_no_dstate
echo "PASS"
