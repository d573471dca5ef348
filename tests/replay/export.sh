#!/bin/bash
# export.sh — `fusetrace export` to Perfetto JSON and JSON lines.  Perfetto:
# valid Chrome trace-event JSON (check_trace_event.py: the documented
# format's fields, phases, metadata, nesting and flow chains), one event per
# request on its application process and thread, the daemon's worker
# threads as a process of their own with one slice per backing call, a flow
# from each request into each worker thread it used (every call's request
# reads back from the flows), in-flight and kernel-queue counters that agree
# with the recording, and at most 300 bytes per request in slices, flows and
# instants, names and counters bounded apart (check_export.py).  JSON lines: one
# line per request (= SELECT count(*) FROM op) agreeing with op; and lnav reads the JSON lines with
# scenarios/lnav/fusetrace.json (when lnav is installed), including a query
# of its documented SQL table fusetrace_jsonl.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
PY=$(ft_python)
src=$(cd "$here/../.." && pwd)

# Concurrent clients so that several workers and overlapping requests show.
script='
mkdir d; for j in 1 2 3 4; do ( for i in $(seq 1 40); do echo $i > d/f$j.$i; cat d/f$j.$i >/dev/null; done ) & done; wait
ls -la d >/dev/null; ls d/missing 2>/dev/null; rm d/f1.*
'
"$FUSETRACE" record --db "$out/r.db" "$dir" -- sh -c "$script" > "$out/log" 2>&1 \
	|| { cat "$out/log"; ft_fail "record failed"; }

expect_status "export perfetto" 0 "$FUSETRACE" export "$out/r.db" --format=perfetto -o "$out/p.json"
"$PY" "$here/check_trace_event.py" "$out/p.json" || ft_fail "perfetto output is not valid trace-event JSON"
expect_status "export jsonl" 0 "$FUSETRACE" export "$out/r.db" --format=jsonl -o "$out/r.jsonl"
"$FUSETRACE" export "$out/r.db" --format=jsonl > "$out/stdout.jsonl" 2>/dev/null || ft_fail "export to stdout failed"
cmp -s "$out/r.jsonl" "$out/stdout.jsonl" || ft_fail "-o FILE and stdout differ"
"$PY" "$here/check_export.py" "$out/r.db" "$out/p.json" "$out/r.jsonl" || ft_fail "export check failed"

# The kernel queue's rarer changes, on a copy: two requests the kernel
# queued and withdrew unread (they leave the queue when the daemon reads the
# next request), one the kernel ended itself, one queued at the very end.
# The export computes the queue without the view (whose lookups need an
# index a killed recorder never built); the check compares it with the view.
cp "$out/r.db" "$out/kq.db"
sqlite3 "$out/kq.db" "
CREATE TEMP TABLE m AS SELECT unique_id AS u, ts FROM request WHERE opcode NOT IN (2, 36, 41, 42)
  ORDER BY unique_id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM request);
INSERT INTO kernel_send SELECT u + 1, ts + 1, 3, 40, 1 FROM m;
INSERT INTO kernel_send SELECT u + 3, ts + 2, 3, 40, 1 FROM m;
INSERT INTO kernel_send SELECT u + 5, ts + 3, 3, 40, 1 FROM m;
INSERT INTO kernel_end SELECT u + 5, ts + 900, 0, -4 FROM m;
INSERT INTO kernel_send SELECT max(unique_id) + 1001, (SELECT max(ts) FROM request) + 1, 3, 40, 1 FROM request;" \
	|| ft_fail "could not add kernel rows to the copy"
kinds() { q "$1" "SELECT sum(kind = 'withdrawn') || ' ' || sum(kind = 'ended_by_kernel') FROM request_sides"; }
read -r w0 e0 <<< "$(kinds "$out/r.db")"
expect "the copy's requests withdrawn, ended by the kernel" "$(kinds "$out/kq.db")" "$((w0 + 3)) $((e0 + 1))"
"$FUSETRACE" export "$out/kq.db" --format=perfetto -o "$out/kq.json" 2>/dev/null || ft_fail "export of the copy failed"
"$FUSETRACE" export "$out/kq.db" --format=jsonl -o "$out/kq.jsonl" 2>/dev/null || ft_fail "export of the copy failed"
"$PY" "$here/check_export.py" "$out/kq.db" "$out/kq.json" "$out/kq.jsonl" > "$out/kq.check" \
	|| { cat "$out/kq.check"; ft_fail "export check of the copy with withdrawn requests failed"; }
grep 'kernel queue' "$out/kq.check"

if command -v lnav > /dev/null; then
	export HOME=$out/home; mkdir -p "$HOME"
	lnav -i "$src/scenarios/lnav/fusetrace.json" > "$out/lnav-install" 2>&1 \
		|| { cat "$out/lnav-install"; ft_fail "lnav rejects scenarios/lnav/fusetrace.json"; }
	n=$(q "$out/r.db" 'SELECT count(*) FROM op')
	nu=$(q "$out/r.db" 'SELECT count(DISTINCT unique_id) FROM op')
	ne=$(q "$out/r.db" 'SELECT count(*) FROM op WHERE errno <> 0')
	got=$(lnav -n -c ";SELECT count(*), count(DISTINCT log_opid), sum(log_level = 'error') FROM all_logs WHERE log_format = 'fusetrace_jsonl'" "$out/r.jsonl" 2>&1 | tail -1 | tr -s ' ' | sed 's/^ //; s/ $//')
	expect "lnav: lines, distinct opids (uniques), errors" "$got" "$n $nu $ne"
	lnav -n "$out/r.jsonl" > "$out/lnav.txt" 2>&1
	grep -Eq '^[0-9-]+T[0-9:.]+ LOOKUP +u=[0-9]+ +[0-9.]+us error +ENOENT' "$out/lnav.txt" \
		|| { head -5 "$out/lnav.txt"; ft_fail "lnav does not show op, unique, latency and errno"; }
	echo "ok: lnav shows latency and pairs by unique"
	# the documented SQL table (scenarios/lnav/README.md): per op, the count,
	# errors and summed latency agree with the recording's op view
	want=$(q "$out/r.db" "SELECT op || ',' || count(*) || ',' || coalesce(sum(errno <> 0), 0) || ',' || sum(coalesce(latency_ns, 0)) FROM op GROUP BY op ORDER BY op")
	got=$(lnav -n -c ";SELECT op, count(*), coalesce(sum(\"reply/errno\" <> 0), 0), sum(coalesce(latency_ns, 0)) FROM fusetrace_jsonl GROUP BY op ORDER BY op" \
		-c ':write-csv-to -' "$out/r.jsonl" 2>&1 | tail -n +2 | tr -d '\r')
	expect "lnav -n -c ';SELECT ... FROM fusetrace_jsonl' (per op: count, errors, latency)" "$(echo $got)" "$(echo $want)"
	got=$(lnav -n -c ";SELECT count(*) FROM fusetrace_jsonl WHERE file = '/d/f2.1' AND op = 'LOOKUP'" "$out/r.jsonl" 2>&1 | tail -1 | tr -d ' ')
	expect "lnav: the LOOKUPs of /d/f2.1 by their full path" "$got" "$(q "$out/r.db" "SELECT count(*) FROM op WHERE op = 'LOOKUP' AND entry_path = '/d/f2.1'")"
else
	echo "note: lnav not installed; format file checked as JSON only"
	"$PY" -m json.tool "$src/scenarios/lnav/fusetrace.json" > /dev/null || ft_fail "lnav format is not JSON"
fi

expect_status "missing --format" 2 "$FUSETRACE" export "$out/r.db"
expect_status "unknown format" 2 "$FUSETRACE" export "$out/r.db" --format=xml
expect_status "not a recording" 1 "$FUSETRACE" export "$out/log" --format=jsonl
echo "export: Perfetto and JSON-lines exports are valid and complete"
