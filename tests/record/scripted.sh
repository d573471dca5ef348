#!/bin/bash
# scripted.sh — a workload with known outcomes shows exactly those requests,
# errors and transitions in the `op` view: a failed lookup (ENOENT), an
# O_EXCL create of an existing file (EEXIST, decided by the kernel), a rename, an unlink of a file
# that stays open (its fh is released afterwards; its inode is freed only
# when the kernel forgets it), and a create that really created.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
echo existing > "$dir/exists"
db=$out/s.db
script='set -e
ls does-not-exist 2>/dev/null && exit 1
python3 -c "
import os, errno
try:
    os.open(\"exists\", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    raise SystemExit(1)
except FileExistsError:
    pass
fd = os.open(\"fresh\", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
os.write(fd, b\"x\"); os.close(fd)
os.rename(\"fresh\", \"renamed\")
fd = os.open(\"renamed\", os.O_RDWR)
os.unlink(\"renamed\")
os.write(fd, b\"still open\")
os.close(fd)
"'
record_sh "$db" "$dir" "$script" > "$out/log" 2>&1 || { cat "$out/log"; ft_fail "scripted workload failed"; }

expect "ENOENT lookups of does-not-exist, nothing else" \
	"$(q "$db" "SELECT count(*) > 0 AND sum(errno_name = 'ENOENT') = count(*) FROM op WHERE name = 'does-not-exist'")" 1
# O_CREAT|O_EXCL on an existing name: the kernel looks it up, finds it and
# answers EEXIST itself — the daemon sees a successful LOOKUP and no CREATE
expect "LOOKUP of exists answered with an entry" \
	"$(q "$db" "SELECT count(*) > 0 FROM op WHERE op = 'LOOKUP' AND name = 'exists' AND errno = 0")" 1
expect "no CREATE reaches the daemon for exists" \
	"$(q "$db" "SELECT count(*) FROM op WHERE op = 'CREATE' AND name = 'exists'")" 0
expect "created=1 for fresh" \
	"$(q "$db" "SELECT created FROM fh_event f JOIN op o ON o.unique_id = f.unique_id WHERE o.op = 'CREATE' AND o.name = 'fresh' AND f.kind = 1")" 1
expect "rename fresh -> renamed succeeded" \
	"$(q "$db" "SELECT count(*) FROM op WHERE op IN ('RENAME', 'RENAME2') AND name = 'fresh' AND name2 = 'renamed' AND errno = 0")" 1
expect "unlink of the open file succeeded" \
	"$(q "$db" "SELECT count(*) FROM op WHERE op = 'UNLINK' AND name = 'renamed' AND errno = 0")" 1
# the write after unlink went to the still-open fh and was answered in full
expect "write after unlink" \
	"$(q "$db" "SELECT bytes FROM op WHERE op = 'WRITE' AND size = 10 AND errno = 0")" 10
# its fh was released after the unlink
expect "release after unlink" "$(q "$db" "
SELECT (SELECT max(id) FROM op WHERE op = 'RELEASE' AND nodeid = u.entry) > u.id
FROM (SELECT o.id, (SELECT entry_nodeid FROM op WHERE op = 'CREATE' AND name = 'fresh') AS entry
      FROM op o WHERE o.op = 'UNLINK' AND o.name = 'renamed') u")" 1
# the failed lookup made no inode; the create made exactly one NEW
expect "NEW events for fresh" \
	"$(q "$db" "SELECT count(*) FROM inode_event WHERE kind = 0 AND name = 'fresh'")" 1
expect "NEW events for does-not-exist" \
	"$(q "$db" "SELECT count(*) FROM inode_event WHERE name = 'does-not-exist'")" 0
expect "the exclusive openat behind the CREATE of fresh" \
	"$(q "$db" "SELECT count(*) FROM backing b JOIN op o ON o.unique_id = b.unique_id WHERE o.name = 'fresh' AND o.op = 'CREATE' AND b.call = 'openat' AND b.err = 0")" 1
echo "scripted: every known outcome is in the recording"
