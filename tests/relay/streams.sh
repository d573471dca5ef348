#!/bin/bash
# streams.sh — two hosts stream their recordings through one relay daemon.
#
# Host A records with `record --db --lttng-url`, host B serves with
# `mount --db --lttng-url`: each has its own hostname and session daemon
# (namespaces, tests/relay/lib.sh) and streams to one lttng-relayd.  The
# relay stores each under its host name; `import --relay` gives each
# host's session exactly the rows of that host's local database, with the
# host's name, refuses sessions already imported, and `stats --by=host`
# gives each host's numbers.  Host C records with --no-db: nothing is
# written on the host.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../replay/lib.sh"
. "$here/lib.sh"
relay_test_init
out=$(ft_tmpdir)
workload='mkdir d && for i in $(seq 1 60); do echo $i > d/f$i; done && cat d/* > /dev/null && mv d/f1 d/g1 && rm -r d'

# host A: record, local database and relay
dirA=$(ft_tmpdir)
host_run hostA "$FUSETRACE" record --db "$out/A.db" --lttng-url="$RELAY_URL" "$dirA" -- sh -c "$workload" \
	> "$out/A.log" 2>&1 || { cat "$out/A.log"; ft_fail "host A: record --lttng-url failed"; }
grep -q "streamed to $RELAY_URL" "$out/A.log" || { cat "$out/A.log"; ft_fail "host A: record did not say where the trace went"; }

# host B: mount in the foreground, the workload from outside the daemon, unmount
srcB=$(ft_tmpdir); mntB=$(ft_tmpdir)
host_run hostB sh -c '
	"$1" mount --db "$2" --lttng-url="$3" "$4" "$5" & d=$!
	for i in $(seq 200); do mountpoint -q "$5" && break; kill -0 $d || exit 1; sleep 0.05; done
	(cd "$5" && sh -c "$6") || echo "workload failed" >&2
	umount "$5"; wait $d' sh "$FUSETRACE" "$out/B.db" "$RELAY_URL" "$srcB" "$mntB" "$workload" \
	> "$out/B.log" 2>&1 || { cat "$out/B.log"; ft_fail "host B: mount --lttng-url failed"; }
grep -q "workload failed" "$out/B.log" && { cat "$out/B.log"; ft_fail "host B: the workload failed"; }
[ -z "$(ls -A "$srcB")" ] || ft_fail "host B: workload left files: $(ls "$srcB")"

# host D: mount --daemon (the session is begun by the daemon, for itself)
srcD=$(ft_tmpdir); mntD=$(ft_tmpdir)
host_run hostD sh -c '
	"$1" mount --daemon --log="$6.daemon" --db "$2" --lttng-url="$3" "$4" "$5" || exit 1
	(cd "$5" && sh -c "$7") || echo "workload failed" >&2
	umount "$5"
	for i in $(seq 600); do grep -q "exiting with status" "$6.daemon" && break; sleep 0.1; done
	cat "$6.daemon"' sh "$FUSETRACE" "$out/D.db" "$RELAY_URL" "$srcD" "$mntD" "$out/D.log" "$workload" \
	> "$out/D.log" 2>&1 || { cat "$out/D.log"; ft_fail "host D: mount --daemon --lttng-url failed"; }
grep -q "exiting with status 0" "$out/D.log" || { cat "$out/D.log"; ft_fail "host D: the daemon did not end cleanly"; }

# host E: an LTTng session set up by hand, in which two fusetrace mounts
# (--lttng: they only emit) ran one after the other
srcE=$(ft_tmpdir); mntE=$(ft_tmpdir)
host_run hostE sh -c 'lttng create other --set-url="$1" > /dev/null &&
	lttng enable-event -u -s other "fusetrace:*" > /dev/null && lttng start other > /dev/null || exit 1
	for k in 1 2; do
		"$2" mount --lttng "$3" "$4" & d=$!
		for i in $(seq 200); do mountpoint -q "$4" && break; sleep 0.05; done
		touch "$4/x$k"; umount "$4"; wait $d || exit 1
	done
	lttng destroy other > /dev/null' sh "$RELAY_URL" "$FUSETRACE" "$srcE" "$mntE" > "$out/E.log" 2>&1 \
	|| { cat "$out/E.log"; ft_fail "host E: lttng session failed"; }

# host C: record --no-db: the host keeps nothing
dirC=$(ft_tmpdir); cwdC=$(ft_tmpdir)
(cd "$cwdC" && host_run hostC "$FUSETRACE" record --no-db --lttng-url="$RELAY_URL" "$dirC" -- sh -c "$workload") \
	> "$out/C.log" 2>&1 || { cat "$out/C.log"; ft_fail "host C: record --no-db --lttng-url failed"; }
[ -z "$(ls -A "$cwdC")" ] || ft_fail "host C: record --no-db wrote $(ls "$cwdC")"

# a URL where no relay listens: refused at the start, nothing mounted
dirX=$(ft_tmpdir); port=$(free_ports 1)
host_run hostX "$FUSETRACE" record --no-db --lttng-url="net://127.0.0.1:$port:$port" "$dirX" -- touch made \
	> "$out/X.log" 2>&1; rc=$?
expect "record to a relay that is not there: status" "$rc" 125
grep -q "cannot start an LTTng session streaming to net://127.0.0.1:$port" "$out/X.log" \
	|| { cat "$out/X.log"; ft_fail "no clear message for a relay that is not there"; }
[ ! -e "$dirX/made" ] || ft_fail "the command ran although the LTTng session could not start"

expect "relay's host directories" "$(ls "$RELAY_OUT" | tr '\n' ' ')" "hostA hostB hostC hostD hostE "
central=$out/central
"$FUSETRACE" import --relay "$RELAY_OUT" "$central" > "$out/import.log" 2>&1; rc=$?
cat "$out/import.log"
# host E's session holds two fusetrace sessions: named, the others imported
expect "import --relay status (one session not importable)" "$rc" 1
grep -q "^fusetrace import: hostE/other-[0-9-]*: .*holds more than one fusetrace session.*--relay cannot" "$out/import.log" \
	|| ft_fail "import --relay did not name host E's session and why"
grep -q "4 sessions imported, 0 refused (already imported), 1 failed" "$out/import.log" \
	|| ft_fail "import --relay summary"
expect "central directory mode" "$(stat -c %a "$central")" 700
for h in A B C D; do
	db=$(ls "$central/host$h"/*.db) || ft_fail "no database for host $h"
	expect "host $h: one session" "$(ls "$central/host$h" | wc -l)" 1
	[ "$(basename "$db" .db)" = "$(basename "$(relay_session_dir host$h)")" ] \
		|| ft_fail "host $h: database $db not named after the relay's session directory"
	expect "host $h: imported session status" "$(q "$db" 'SELECT status FROM session')" complete
	expect "host $h: host name" "$(q "$db" 'SELECT host FROM session')" "host$h"
	ln -s "$db" "$out/central-$h.db"
done
# exactly the local recording's rows, table by table
for h in A B D; do
	for t in request reply inode_event fh_event backing_call forget; do
		expect "host $h: $t rows, relay vs local" "$(q "$out/central-$h.db" "SELECT count(*) FROM $t")" \
			"$(q "$out/$h.db" "SELECT count(*) FROM $t")"
	done
	# the imported offset is LTTng's (the trace's clock class), the local
	# one the recorder's own two clock readings: the same offset, measured
	# twice on one machine (within 10 ms)
	d=$(sqlite3 -batch -noheader "$out/central-$h.db" "ATTACH '$out/$h.db' AS l;
		SELECT abs(s.clock_offset_ns - l.session.clock_offset_ns) < 10000000
		  AND s.clock_offset_ns <> l.session.clock_offset_ns FROM main.session s, l.session")
	expect "host $h: clock offset from the trace's clock class, close to the recorder's" "$d" 1
	expect "host $h: local host name" "$(q "$out/$h.db" 'SELECT host FROM session')" "host$h"
	expect "host $h: same session" "$(q "$out/central-$h.db" 'SELECT uuid FROM session')" \
		"$(q "$out/$h.db" 'SELECT uuid FROM session')"
done
expect_ge "host C: lookups" "$(q "$out/central-C.db" "SELECT count(*) FROM request WHERE opcode = 1")" 60

# wall clock across hosts: the hosts ran one after the other, so ordered
# by session.start_realtime_ns + ts their requests come in three runs
order=$(sqlite3 -batch -noheader "$out/central-A.db" "ATTACH '$out/central-B.db' AS b;
	ATTACH '$out/central-C.db' AS c;
	SELECT host FROM (
	  SELECT s.host, s.start_realtime_ns + q.ts AS wall FROM main.request q, main.session s
	  UNION ALL SELECT s.host, s.start_realtime_ns + q.ts FROM b.request q, b.session s
	  UNION ALL SELECT s.host, s.start_realtime_ns + q.ts FROM c.request q, c.session s)
	ORDER BY wall" | uniq | tr '\n' ' ')
expect "hosts in wall-clock order of their requests" "$order" "hostA hostB hostC "

# one session directory given as RELAY_DIR: named after itself
one=$(relay_session_dir hostA)
"$FUSETRACE" import --relay "$one/" "$out/single" > "$out/single.log" 2>&1 \
	|| { cat "$out/single.log"; ft_fail "import --relay of one session directory failed"; }
expect "one session directory: its recording" "$(ls "$out/single")" "$(basename "$one").db"

# the same sessions again: each refused by name, nothing changed
sum_before=$(cat "$central"/*/*.db | md5sum)
"$FUSETRACE" import --relay "$RELAY_OUT" "$central" > "$out/again.log" 2>&1; rc=$?
expect "second import --relay: status" "$rc" 1
expect "second import: sessions refused" "$(grep -c 'already imported.*refused' "$out/again.log")" 4
expect "second import: databases unchanged" "$(cat "$central"/*/*.db | md5sum)" "$sum_before"

# one line per host, with each host's numbers (local recordings for A and B)
"$FUSETRACE" stats --by=host "$central" > "$out/byhost.txt" || ft_fail "stats --by=host failed"
cat "$out/byhost.txt"
for h in A B C D; do
	src=$out/$h.db; [ $h = C ] && src=$out/central-C.db
	line=$(awk -v h="host$h" '$1 == h' "$out/byhost.txt")
	expect "by host $h: sessions, incomplete" "$(echo "$line" | awk '{print $2, $3}')" "1 0"
	expect "by host $h: requests" "$(echo "$line" | awk '{print $4}')" "$(q "$src" 'SELECT count(*) FROM request')"
	expect "by host $h: errors" "$(echo "$line" | awk '{print $5}')" \
		"$(q "$src" 'SELECT count(*) FROM reply WHERE error <> 0')"
done
expect "by host: lines" "$(wc -l < "$out/byhost.txt")" 5
ft_check_no_dstate
echo "streams: three hosts through one relay, each imported with its local rows"
