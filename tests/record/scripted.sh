#!/bin/bash
# scripted.sh — a workload with known outcomes shows exactly those requests,
# errors and transitions in the `op` view: a failed lookup (ENOENT), an
# O_EXCL create of an existing file (EEXIST, decided by the kernel), a rename, an unlink of a file
# that stays open (its fh is released afterwards; its inode is freed only
# when the kernel forgets it), and a create that really created.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
echo existing > "$dir/exists"
db=$out/s.db
# python3 starts in / (an interpreter's startup may probe its cwd, e.g. a
# pyenv shim's .python-version) and then works in the mount; the closing ls
# makes the daemon read the FORGET the kernel queued when the unlinked file
# was closed before the unmount.
script='set -e
ls does-not-exist 2>/dev/null && exit 1
d=$PWD
cd / && python3 -c "
import os, sys
os.chdir(sys.argv[1])
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
" "$d"
cd "$d"; ls > /dev/null'
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
# the errors are exactly the known ones (distinct op, errno, name): the
# failed lookup; the kernel's LOOKUPs of fresh (O_CREAT|O_EXCL) and renamed
# (the rename target) before they existed; the kernel's security.capability
# probe before each WRITE (file_remove_privs), which has no such xattr
errs=$(q "$db" "SELECT DISTINCT op || ' ' || errno_name || ' ' || coalesce(name, xattr_name, '-') FROM errors ORDER BY 1")
want='GETXATTR ENODATA security.capability
LOOKUP ENOENT does-not-exist
LOOKUP ENOENT fresh
LOOKUP ENOENT renamed'
[ "$errs" = "$want" ] || ft_fail "errors view: expected exactly
$want
observed
$errs"
echo "ok: the errors are exactly the 4 known ones"
# the unlinked inode: UNREF then FREE (kinds 2, 3), both caused by the
# kernel's FORGET of it (cause 8 FORGET or 9 BATCH_FORGET, and its unique),
# the FREE last; the table does not keep it to unmount
node=$(q "$db" "SELECT entry_nodeid FROM op WHERE op = 'CREATE' AND name = 'fresh'")
[ -n "$node" ] || ft_fail "no entry nodeid for the CREATE of fresh"
fu=$(q "$db" "SELECT unique_id FROM forget WHERE nodeid = $node")
[ -n "$fu" ] || ft_fail "no FORGET of the unlinked inode $node"
expect "one FORGET of the unlinked inode" "$(printf '%s\n' "$fu" | wc -l)" 1
expect "the FORGET comes after the UNLINK" \
	"$(q "$db" "SELECT (SELECT id FROM request WHERE unique_id = $fu) > (SELECT id FROM op WHERE op = 'UNLINK' AND name = 'renamed')")" 1
expect "the unlinked inode's UNREF/FREE events (kind, caused by a forget, its unique)" \
	"$(q "$db" "SELECT group_concat(kind || ' ' || (cause IN (8, 9)) || ' ' || (unique_id = $fu), ',') FROM (SELECT * FROM inode_event WHERE nodeid = $node AND kind IN (2, 3) ORDER BY id)")" \
	"2 1 1,3 1 1"
expect "FREE is the unlinked inode's last event" \
	"$(q "$db" "SELECT kind FROM inode_event WHERE nodeid = $node ORDER BY id DESC LIMIT 1")" 3
echo "scripted: every known outcome is in the recording"
