#!/bin/sh
# tree_workload.sh OUT NAME [NAME...] — a process tree with known requests,
# run in a directory of the mount that holds the files NAME...: note our
# pid in OUT/NAME.pid, open NAME ourselves (one OPEN by this pid) and
# through a cat we fork (one more, by a child), then run the rest one
# level down as our child.  Three names: three shells, each with a cat.
out=$1; name=$2; shift 2
echo $$ >"$out/$name.pid"
exec 3<"$name"; exec 3<&-
cat "$name" >/dev/null
if [ $# -gt 0 ]; then sh "$0" "$out" "$@"; fi
exit 0
