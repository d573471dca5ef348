#!/bin/bash
# merge.sh — a fleet database made from recordings: `fusetrace import -o
# FLEET REC.db` adds a recording's session, and every reader gives, for
# one selected session, exactly what the recording itself gives.
#
# Three synthetic recordings (fusetrace-gendb: every table filled,
# including the kernel's side and processes) stand in for three
# hosts; B started 2 s after A.  Checked: session rows and key ranges;
# every view and table read with `sql --session K` equals the recording's
# own; `stats --session` and `export --session` equal the recording's;
# the whole database's views keep each row's own values (wall time from
# its own session); `stats --by=host` per host; refusals (the same
# session twice, a recording still being written, a file that is not a
# recording, an older schema) leave the fleet unchanged; replay, which
# rebuilds one filesystem, refuses a fleet.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
ft_init
[ -x "${FUSETRACE:-}" ] || ft_fail "FUSETRACE is not set"
[ -x "${GENDB:-}" ] || ft_fail "GENDB is not set"
command -v sqlite3 >/dev/null || ft_fail "sqlite3 missing"
out=$(ft_tmpdir)
F=$FUSETRACE

"$GENDB" -q -n 3000 --seed 1 --kernel "$out/A.db" || ft_fail "gendb A"
"$GENDB" -q -n 2000 --seed 2 --odd-names "$out/B.db" || ft_fail "gendb B"
"$GENDB" -q -n 500 --seed 3 --kernel "$out/C.db" || ft_fail "gendb C"
q "$out/A.db" "UPDATE session SET host = 'hostA'"
q "$out/B.db" "UPDATE session SET host = 'hostB', uuid = 'uuid-b', start_realtime_ns = start_realtime_ns + 2000000000"
q "$out/C.db" "UPDATE session SET host = 'hostA', uuid = 'uuid-c', status = 'incomplete', incomplete_reason = 'cut short'"

fleet=$out/fleet.db
for h in A B C; do
	"$F" import -o "$fleet" "$out/$h.db" > "$out/import-$h.log" 2>&1 || { cat "$out/import-$h.log"; ft_fail "import -o $h.db"; }
done
expect "fleet database mode" "$(stat -c %a "$fleet")" 600
expect "schema version" "$(q "$fleet" 'PRAGMA user_version')" 4
expect "sessions" "$(q "$fleet" "SELECT group_concat(id || ':' || host || ':' || status, ' ') FROM session")" \
	"1:hostA:complete 2:hostB:complete 3:hostA:incomplete"
# keys offset by (k-1) << 40, values as recorded
expect "session 2's request ids" "$(q "$fleet" 'SELECT min(id) - (1 << 40), max(id) - (1 << 40) FROM request WHERE id > 1 << 40 AND id < 2 << 40')" \
	"$(q "$out/B.db" 'SELECT min(id), max(id) FROM request')"
expect "session 3's uniques" "$(q "$fleet" 'SELECT min(unique_id) - (2 << 40) FROM reply WHERE unique_id > 2 << 40')" \
	"$(q "$out/C.db" 'SELECT min(unique_id) FROM reply')"
for t in request reply notify forget dirent manifest inode_event inode path node_name fh_event backing_call \
		thread process process_event loss stall stall_end kernel_send kernel_end counter; do
	expect "$t rows" "$(q "$fleet" "SELECT count(*) FROM $t")" \
		"$(( $(q "$out/A.db" "SELECT count(*) FROM $t") + $(q "$out/B.db" "SELECT count(*) FROM $t") + $(q "$out/C.db" "SELECT count(*) FROM $t") ))"
done
expect_ge "kernel rows to compare" "$(q "$out/A.db" 'SELECT count(*) FROM kernel_send')" 1

# one selected session reads exactly like its recording: every view and
# table (sql --session), the summary (stats --session, its first line
# names the file) and both exports
views=$(q "$fleet" "SELECT name FROM sqlite_schema WHERE type IN ('view', 'table') AND name NOT LIKE 'sqlite_%' ORDER BY name")
for k in 1 2 3; do
	h=$(echo A B C | cut -d' ' -f$k)
	for v in $views; do
		[ "$("$F" sql --csv --session $k "$fleet" "SELECT * FROM $v" 2>/dev/null | md5sum)" = \
		  "$("$F" sql --csv "$out/$h.db" "SELECT * FROM $v" 2>/dev/null | md5sum)" ] \
			|| ft_fail "session $k: view/table $v differs from $h.db's"
	done
	echo "ok: session $k: all $(echo $views | wc -w) views and tables equal $h.db's"
	diff <("$F" stats --session $k "$fleet" 2>&1 | tail -n +2) <("$F" stats "$out/$h.db" 2>&1 | tail -n +2) \
		|| ft_fail "session $k: stats --session differs from stats of $h.db"
	diff <("$F" stats --by=op,file --top 0 --session $k "$fleet" 2>&1) <("$F" stats --by=op,file --top 0 "$out/$h.db" 2>&1) \
		|| ft_fail "session $k: stats --by=op,file --session differs"
	for fmt in jsonl perfetto; do
		[ "$("$F" export "$fleet" --session $k --format=$fmt 2>&1 | md5sum)" = \
		  "$("$F" export "$out/$h.db" --format=$fmt 2>&1 | md5sum)" ] \
			|| ft_fail "session $k: export --format=$fmt differs from $h.db's"
	done
	echo "ok: session $k: stats and exports equal $h.db's"
done
grep -q "^Status       incomplete: cut short" <("$F" stats --session 3 "$fleet") || ft_fail "session 3: its status"

# the whole database: each row keeps its own session's values
cols="op, path, entry_path, file, dir, comm, tid, wall_time, flags_text, errno_name, latency_ns, outcome, kernel_unique, kernel_nodeid, kernel_queued_ts"
expect "session 2's op rows, whole database" \
	"$(q "$fleet" "SELECT $cols FROM op WHERE session_id = 2 ORDER BY id" | md5sum)" \
	"$(q "$out/B.db" "SELECT $cols FROM op ORDER BY id" | md5sum)"
expect "host of session 2's rows" "$(q "$fleet" "SELECT DISTINCT host FROM op WHERE session_id = 2")" hostB
for v in inode_history fh_history backing node_names; do
	expect "$v: session 2's wall times" "$(q "$fleet" "SELECT wall_time FROM $v WHERE session_id = 2 ORDER BY wall_time" | md5sum)" \
		"$(q "$out/B.db" "SELECT wall_time FROM $v ORDER BY wall_time" | md5sum)"
done
expect "B's wall clock is not A's" "$(q "$fleet" "SELECT (SELECT min(wall_time) FROM op WHERE session_id = 2) > (SELECT max(wall_time) FROM op WHERE session_id = 1)")" 1
for v in kernel_queue request_sides latency_split inode_lifetime file_activity per_process process_tree stalls passthrough_open inflight; do
	expect "$v: rows per session" "$(q "$fleet" "SELECT group_concat(n, ' ') FROM (SELECT count(*) n FROM $v GROUP BY session_id ORDER BY session_id)")" \
		"$(for h in A B C; do n=$(q "$out/$h.db" "SELECT count(*) FROM $v"); [ "$n" = 0 ] || printf '%s ' "$n"; done | sed 's/ $//')"
done
expect "kernel queue depth per session" "$(q "$fleet" "SELECT max(depth) FROM kernel_queue WHERE session_id = 3")" \
	"$(q "$out/C.db" "SELECT max(depth) FROM kernel_queue")"

# stats --by=host: hostA's two sessions (one incomplete), hostB's one
"$F" stats --by=host "$fleet" > "$out/byhost.txt" || ft_fail "stats --by=host"
cat "$out/byhost.txt"
read -r _ s i r e _ <<<"$(grep '^hostA ' "$out/byhost.txt")"
expect "hostA: sessions, incomplete, requests, errors" "$s $i $r $e" \
	"2 1 $(( $(q "$out/A.db" 'SELECT count(*) FROM request') + $(q "$out/C.db" 'SELECT count(*) FROM request') )) $(( $(q "$out/A.db" 'SELECT count(*) FROM reply WHERE error <> 0') + $(q "$out/C.db" 'SELECT count(*) FROM reply WHERE error <> 0') ))"
read -r _ s i r e p50 p95 max _ <<<"$(grep '^hostB ' "$out/byhost.txt")"
expect "hostB: sessions, incomplete, requests" "$s $i $r" "1 0 $(q "$out/B.db" 'SELECT count(*) FROM request')"
grep -q "^Latency      p50 $p50, p95 $p95, max $max " <("$F" stats --session hostB "$fleet") \
	|| ft_fail "hostB: stats --by=host percentiles are not those of stats --session hostB"
# a host's several sessions selected together
expect "stats --session hostA: requests" "$("$F" stats --session hostA "$fleet" | sed -n 's/^Requests     \([0-9]*\) .*/\1/p')" "$(( $(q "$out/A.db" 'SELECT count(*) FROM request') + $(q "$out/C.db" 'SELECT count(*) FROM request') ))"
grep -q "^Sessions     3 (schema 4); status incomplete: session 3 (host hostA): cut short" <("$F" stats "$fleet") \
	|| ft_fail "stats of the fleet does not name its incomplete session"

# refusals: the fleet stays byte for byte as it was
sum=$(md5sum < "$fleet")
refuse() {  # refuse WHAT MESSAGE ARGS...
	local what=$1 msg=$2; shift 2
	"$F" "$@" > "$out/refuse.log" 2>&1; local rc=$?
	[ "$rc" = 1 ] || { cat "$out/refuse.log"; ft_fail "$what: exit $rc, expected 1"; }
	grep -q -- "$msg" "$out/refuse.log" || { cat "$out/refuse.log"; ft_fail "$what: no message /$msg/"; }
	[ "$(wc -l < "$out/refuse.log")" = 1 ] || { cat "$out/refuse.log"; ft_fail "$what: not one line"; }
	expect "$what: fleet unchanged" "$(md5sum < "$fleet")" "$sum"
}
refuse "the same session again" "session uuid-b (host hostB, session -) is already in the database as session 2: refused" \
	import -o "$fleet" "$out/B.db"
"$GENDB" -q -n 100 --seed 4 --status recording "$out/live.db" || ft_fail "gendb live"
q "$out/live.db" "UPDATE session SET uuid = 'uuid-live'"
refuse "a recording still being written" "still recording, or left by a killed recorder" import -o "$fleet" "$out/live.db"
echo "not a database" > "$out/junk.db"
refuse "a file that is not a recording" "junk.db" import -o "$fleet" "$out/junk.db"
"$GENDB" -q -n 100 --seed 5 "$out/v3.db" || ft_fail "gendb v3"
q "$out/v3.db" "PRAGMA user_version = 3"
refuse "a target of an older schema" "sessions are added only to version 4" import -o "$out/v3.db" "$out/C.db"
# a selection naming nothing, and a reader of the whole fleet that cannot
refuse "stats --session of no such host" "no session of host hostZ in this database (sessions: 1 (hostA), 2 (hostB), 3 (hostA))" \
	stats --session hostZ "$fleet"
refuse "sql --session 9" "no session 9 in this database" sql --session 9 "$fleet" "SELECT 1"
refuse "replay of a fleet" "a fleet database of 3 sessions: replay takes one recording" \
	replay "$fleet" "$(ft_tmpdir)"
refuse "export of several sessions" "the selection holds 2 sessions: export one at a time with --session ID" \
	export "$fleet" --session hostA --format=jsonl
echo "PASS"
