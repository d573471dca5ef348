#!/bin/bash
# attribution.sh — requests are attributed to the program that made them.
# `record` runs COMMAND in a child that first changes into the mount (so a
# request or two come from the child while it is still fusetrace) and then
# execs COMMAND: what COMMAND does must be shown under COMMAND's name, not
# under fusetrace's.  A program it runs gets a row of its own, and a
# recycled pid never merges two processes (distinct start times).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
db=$out/a.db
record_sh "$db" "$dir" 'for i in 1 2 3 4 5 6; do echo $i > f$i; done; cat f1 f2 > /dev/null' \
	> "$out/log" 2>&1 || { cat "$out/log"; ft_fail "workload failed"; }

# every CREATE and WRITE came from the shell's own builtins
expect "CREATE/WRITE requests under a name other than sh" \
	"$(q "$db" "SELECT count(*) FROM op JOIN process p ON p.id = op.process_id
	            WHERE op.op IN ('CREATE', 'WRITE') AND p.comm <> 'sh'")" 0
expect "CREATE/WRITE requests of sh" \
	"$(q "$db" "SELECT count(*) FROM op JOIN process p ON p.id = op.process_id
	            WHERE op.op IN ('CREATE', 'WRITE') AND p.comm = 'sh'")" 12
# COMMAND's process: fusetrace (the child record forked), then sh (its exec)
expect "rows for the record child's pid (fusetrace, then sh)" \
	"$(q "$db" "SELECT group_concat(comm, ',') FROM (SELECT comm FROM process
	            WHERE command = 1 ORDER BY id)")" "fusetrace,sh"
expect "the sh row's command line" \
	"$(q "$db" "SELECT cmdline LIKE 'sh -c for i in%' FROM process WHERE comm = 'sh' AND command = 1")" 1
expect "COMMAND's images: a fork of fusetrace, then an exec of sh" \
	"$(q "$db" "SELECT group_concat(origin, ',') FROM (SELECT origin FROM process
	            WHERE command = 1 ORDER BY id)")" "fork,exec"
# cat read f1 and f2 under its own name
expect "READs by cat" \
	"$(q "$db" "SELECT count(*) FROM op JOIN process p ON p.id = op.process_id
	            WHERE op.op = 'READ' AND p.comm = 'cat' AND op.path IN ('/f1', '/f2')")" 2
echo "attribution: PASS"
