#!/bin/bash
# stats_by.sh — `fusetrace stats --by=...` on a scripted workload whose
# numbers are known: three 100-byte writes to /w (3 WRITEs, 300 bytes), a
# 5000-byte file that existed before the mount read in full (5000 bytes),
# 42 bytes written to /sub/x (dir /sub: 42 bytes), four stats of distinct
# missing names (4 LOOKUPs, 4 errors, one per name);
#  - --by=op,file, --by=dir and --by=process rows carry exactly those counts,
#    errors and bytes, and every row agrees with the same group counted in
#    SQL (count, errors, bytes, total latency);
#  - the table is sorted by total latency, --top N cuts it and says how many
#    rows it left out, --top 0 shows all;
#  - a bad --by is a usage error (exit 2);
#  - the op_process view joins the writes to their process in the tree.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
head -c 5000 /dev/zero > "$dir/pre"
db=$out/s.db
script='d=$PWD; cd / && exec python3 -c "
import os, sys
os.chdir(sys.argv[1])
fd = os.open(\"w\", os.O_CREAT | os.O_WRONLY, 0o644)
for i in range(3):
    os.write(fd, b\"x\" * 100)
os.close(fd)
with open(\"pre\", \"rb\") as f:
    assert len(f.read()) == 5000
os.mkdir(\"sub\")
with open(\"sub/x\", \"wb\") as f:
    f.write(b\"y\" * 42)
for n in (\"missing1\", \"missing2\", \"missing3\", \"missing4\"):
    try:
        os.stat(n)
        raise SystemExit(1)
    except FileNotFoundError:
        pass
" "$d"'
record_sh "$db" "$dir" "$script" > "$out/log" 2>&1 || { cat "$out/log"; ft_fail "scripted workload failed"; }

"$FUSETRACE" stats --by=op,file --top 0 "$db" > "$out/opfile" 2>&1 || { cat "$out/opfile"; ft_fail "stats --by=op,file failed"; }
cat "$out/opfile"
# row OP FILE: "COUNT ERRORS BYTES" of the --by=op,file table
row() { awk -v op="$1" -v f="$2" '$1 == op && $NF == f { print $2, $3, $(NF-1) }' "$out/opfile"; }
expect "WRITE /w: count errors bytes" "$(row WRITE /w)" "3 0 300"
expect "WRITE /sub/x: count errors bytes" "$(row WRITE /sub/x)" "1 0 42"
expect "READ /pre: bytes" "$(row READ /pre | cut -d' ' -f3)" 5000
for n in 1 2 3 4; do
	expect "LOOKUP /missing$n: count errors bytes" "$(row LOOKUP /missing$n)" "1 1 0"
done

# every row of every table agrees with SQL over the op view (the key
# expressions are the command's documented ones)
check_table() {   # check_table BY SQLKEY
	"$FUSETRACE" stats --by="$1" --top 0 "$db" > "$out/t" 2>&1 || { cat "$out/t"; ft_fail "stats --by=$1 failed"; }
	python3 - "$db" "$out/t" "$2" "$1" <<'PY' || ft_fail "stats --by=$1 disagrees with SQL"
import sqlite3, sys
db, table, key, by = sys.argv[1:5]
c = sqlite3.connect(db)
want = {}
for k, n, e, b, t in c.execute(
        f"SELECT {key}, count(*), sum(coalesce(errno, 0) <> 0), "
        "coalesce(sum(CASE WHEN o.opcode IN (15, 16) THEN o.bytes END), 0), sum(o.latency_ns) "
        "FROM op o LEFT JOIN process p ON p.id = o.process_id GROUP BY 1"):
    want[k] = (n, e, b, t)
lines = open(table).read().splitlines()
rows = lines[1:]
seen, totals = 0, []
for line in rows:
    # PROCESS (pid comm) first; a path key last (it may hold spaces)
    if by == 'process':
        f = line.split()
        k, num = ' '.join(f[:2]), f[2:]
    else:
        f = line.split(None, 9)
        k, num = f[9], f[:9]
    n, e, b = int(num[0]), int(num[1]), int(num[8])
    w = want.get(k)
    if w is None or (n, e, b) != w[:3]:
        print(f'{k}: stats {(n, e, b)} sql {w}')
        sys.exit(1)
    totals.append(w[3] or -1)
    seen += 1
if seen != len(want):
    print(f'{seen} rows, SQL has {len(want)} groups')
    sys.exit(1)
if totals != sorted(totals, reverse=True):
    print('not sorted by total latency')
    sys.exit(1)
print(f'ok: stats --by={by}: {seen} rows agree with SQL (count, errors, bytes), sorted by total latency')
PY
}
check_table dir "coalesce(o.dir, o.file, CASE WHEN o.nodeid THEN '(nodeid ' || o.nodeid || ')' ELSE '(no file)' END)"
check_table file "coalesce(o.file, CASE WHEN o.nodeid THEN '(nodeid ' || o.nodeid || ')' ELSE '(no file)' END)"
check_table process "coalesce(p.pid, o.pid) || ' ' || coalesce(p.comm, o.comm, '?')"
"$FUSETRACE" stats --by=dir --top 0 "$db" > "$out/dir"
expect "dir /sub: bytes" "$(awk '$NF == "/sub" { print $(NF-1) }' "$out/dir")" 42
expect "dir /: bytes (300 written, 5000 read)" "$(awk '$NF == "/" { print $(NF-1) }' "$out/dir")" 5300
"$FUSETRACE" stats --by=process --top 0 "$db" > "$out/proc"
expect "the python process's bytes" "$(awk '$2 == "python3" { s += $(NF) } END { print s }' "$out/proc")" 5342

# op_process: each request joined to its caller's place in the process tree
expect "op_process: the 3 WRITEs of /w by python3, a descendant of COMMAND" \
	"$(q "$db" "SELECT count(*) FROM op_process WHERE op = 'WRITE' AND file = '/w' AND in_command = 1 AND lineage LIKE '%/python3' AND depth >= 1")" 3
expect "op_process: process_pid is the process (pid of the python3 image)" \
	"$(q "$db" "SELECT count(DISTINCT o.process_pid) = 1 AND min(o.process_pid) = min(p.pid) FROM op_process o JOIN process p ON p.id = o.process_id WHERE o.op = 'WRITE' AND o.file = '/w'")" 1
"$FUSETRACE" stats --by=op --top 2 "$db" > "$out/top2"
expect "--top 2: rows" "$(grep -c '^  [A-Z]' "$out/top2")" 3     # header + 2
grep -Eq '^  \([0-9]+ more; --top 0 shows all\)$' "$out/top2" || ft_fail "--top 2 does not say what it left out"
for bad in --by=bogus --by=op,op --by=op, --by=; do
	"$FUSETRACE" stats "$bad" "$db" > /dev/null 2> "$out/err"; rc=$?
	expect "stats $bad: exit status" "$rc" 2
	grep -q -- '--by' "$out/err" || ft_fail "stats $bad: the message does not name --by: $(cat "$out/err")"
done
# --by=host computes its percentiles as every other table does: on a copy
# of the recording reduced to the requests of one op by one process (the
# pair with the most answered requests), the host row, that op's row of
# --by=op and that process's row of --by=process are the same requests and
# show the same count, errors, p50, p95 and max; so does the host row of
# --by=host on a fleet database that holds the copy's session.
mkdir "$out/hosts"
cp "$db" "$out/hosts/one.db"
IFS='|' read -r KOP KPROC < <(q "$db" "SELECT opcode, process_id FROM op WHERE latency_ns IS NOT NULL
	AND process_id IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1")
q "$out/hosts/one.db" "DELETE FROM request WHERE NOT (opcode = $KOP AND process_id = $KPROC);
	DELETE FROM reply WHERE unique_id NOT IN (SELECT unique_id FROM request);" > /dev/null
n1=$(q "$out/hosts/one.db" "SELECT count(*) FROM op")
expect_ge "requests of one op by one process" "$n1" 5
"$FUSETRACE" stats --by=host "$out/hosts" > "$out/host" || ft_fail "stats --by=host failed"
"$FUSETRACE" stats --by=op --top 0 "$out/hosts/one.db" > "$out/host-op" || ft_fail "stats --by=op failed"
"$FUSETRACE" stats --by=process --top 0 "$out/hosts/one.db" > "$out/host-proc" || ft_fail "stats --by=process failed"
expect "--by=op rows of the reduced copy" "$(tail -n +2 "$out/host-op" | wc -l)" 1
expect "--by=process rows of the reduced copy" "$(tail -n +2 "$out/host-proc" | wc -l)" 1
# count errors p50 p95 max of each table
host=$(awk 'NR == 2 { print $4, $5, $6, $7, $8 }' "$out/host")
byop=$(awk 'NR == 2 { print $2, $3, $4, $5, $7 }' "$out/host-op")
byproc=$(awk 'NR == 2 { print $3, $4, $5, $6, $8 }' "$out/host-proc")
expect "--by=host: requests errors p50 p95 max = --by=op's" "$host" "$byop"
expect "--by=host: requests errors p50 p95 max = --by=process's" "$host" "$byproc"
# and on a fleet database holding that session (import -o)
"$FUSETRACE" import "$out/hosts/one.db" -o "$out/fleet.db" > "$out/import" 2>&1 \
	|| { cat "$out/import"; ft_fail "import into a fleet database failed"; }
"$FUSETRACE" stats --by=host "$out/fleet.db" > "$out/host-fleet" || ft_fail "stats --by=host on the fleet database failed"
expect "--by=host on a fleet database: requests errors p50 p95 max = --by=op's" \
	"$(awk 'NR == 2 { print $4, $5, $6, $7, $8 }' "$out/host-fleet")" "$byop"
echo "stats_by: exact numbers for a known workload"
