#!/bin/bash
# descendants.sh — `stats --pid PID` counts the requests of one process
# (every image of that pid), `--pid PID+` / `--descendants` those of it and
# of every process it started, at any depth.
#
# The workload (tree_workload.sh) is three levels of shells, each started
# by the one above: each shell opens its own file of the mount once itself
# (a redirection) and once through a `cat` it forks.  So each shell makes 1 OPEN, and with
# its descendants 2 per level below it and itself: root 6, child 4,
# grandchild 2.  The OPEN counts below are exact.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init
out=$(ft_tmpdir)
dir=$(ft_tmpdir)
db=$out/tree.db
for f in a b c; do echo "$f" >"$dir/$f"; done
"$FUSETRACE" record --db "$db" "$dir" -- sh "$here/tree_workload.sh" "$out" a b c \
	>"$out/record.out" 2>&1 || { cat "$out/record.out"; ft_fail "record failed"; }
root=$(cat "$out/a.pid") child=$(cat "$out/b.pid") grand=$(cat "$out/c.pid")

# opens PID-ARGS...: the OPEN count of `stats` with those arguments
opens() {
	"$FUSETRACE" stats "$@" "$db" >"$out/stats.out" 2>&1 || { cat "$out/stats.out"; ft_fail "stats $* failed"; }
	awk '$1 == "OPEN" { n = $2 } END { print n + 0 }' "$out/stats.out"
}
expect "OPENs of the whole recording" "$(opens)" 6
expect "OPENs of the root shell alone (--pid=$root)" "$(opens --pid="$root")" 1
expect "OPENs of the root shell and descendants (--pid $root+)" "$(opens --pid "$root+")" 6
grep -q "^Selection    pid $root and its descendants: " "$out/stats.out" ||
	ft_fail "stats does not say what it selected: $(grep Selection "$out/stats.out")"
expect "OPENs of the child and descendants (--pid $child --descendants)" \
	"$(opens --pid "$child" --descendants)" 4
expect "OPENs of the grandchild (--pid $grand)" "$(opens --pid "$grand")" 1
expect "OPENs of the grandchild and descendants (--pid=$grand+)" "$(opens --pid="$grand+")" 2
# the selection reaches the process section too: the root's subtree lists
# the three shells (and cats), the grandchild's not the root
opens --pid "$grand+" >/dev/null
if awk '/^Processes/ { p = 1; next } p && $1 == "'"$root"'"' "$out/stats.out" | grep -q .; then
	ft_fail "the grandchild's selection lists the root shell"
fi
expect "files opened by the child's subtree" \
	"$(q "$db" "SELECT group_concat(name, ',') FROM (SELECT DISTINCT i.name FROM op o JOIN inode i ON i.nodeid = o.nodeid
	   WHERE o.op = 'OPEN' AND o.process_id IN (SELECT t.id FROM process_tree t JOIN process r ON r.pid = $child
	   WHERE instr(t.ancestry || '/', '/' || r.id || '/') > 0) ORDER BY 1)")" "b,c"

# The recorder's own ancestry (this test's shell and above) made no
# request: at most its pid is there (the recorder's parent link), never
# its name or command line, nor anything above it.
expect "described rows for the recorder's parent (pid $$)" \
	"$(q "$db" "SELECT count(*) FROM process WHERE pid = $$ AND (comm IS NOT NULL OR cmdline IS NOT NULL)")" 0
expect "rows for the recorder's grandparent (pid $PPID)" \
	"$(q "$db" "SELECT count(*) FROM process WHERE pid = $PPID")" 0

# clear errors
"$FUSETRACE" stats --pid 999999999 "$db" >/dev/null 2>"$out/err"
rc=$?
expect "unknown pid: exit status" "$rc" 1
grep -q "no process with pid 999999999" "$out/err" || ft_fail "unknown pid: $(cat "$out/err")"
"$FUSETRACE" stats --pid 12x "$db" >/dev/null 2>"$out/err"
expect "bad --pid: exit status" "$?" 2
"$FUSETRACE" stats --descendants "$db" >/dev/null 2>"$out/err"
expect "--descendants without --pid: exit status" "$?" 2
echo "descendants: PASS"
