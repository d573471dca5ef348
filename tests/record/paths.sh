#!/bin/bash
# paths.sh — real programs rename files through the mount, and the `op` view
# shows every request with the path its object had at that moment:
#   - mv a b: requests on the node after the rename show /b;
#   - a directory renamed above a file (mv d e): reads of d/f show /e/f;
#   - rsync's temp file (.name.XXXXXX) renamed into place: the node shows
#     its final name from the rename on;
#   - git commit renames index.lock over index: requests on the node after
#     that show /repo/.git/index;
#   - entry requests carry the full path of the entry they name, and an
#     xattr name never appears as a path.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
ft_init
for p in rsync git setfattr; do
	command -v "$p" > /dev/null || ft_skip "$p is not installed"
done
out=$(ft_tmpdir); dir=$(ft_tmpdir)
mkdir "$dir/payload"
for i in 1 2 3; do echo "file $i" > "$dir/payload/f$i"; done
db=$out/p.db
# Each step ends with a read or stat of the renamed object through a fresh
# open, so that a request on its node follows the rename.
script='set -e
echo hello > a
mv a b
cat b > /dev/null
mkdir -p d/sub
echo deep > d/sub/f
mv d e
cat e/sub/f > /dev/null
rsync -a payload/ copy/
cat copy/f2 > /dev/null
git init -q repo
cd repo
git config user.email t@example.org; git config user.name t
echo x > x; git add x
git -c core.fsync=none commit -q -m one
git status --porcelain > /dev/null
cd ..
setfattr -n user.comment -v v b'
record_sh "$db" "$dir" "$script" > "$out/log" 2>&1 || { cat "$out/log"; ft_fail "workload failed"; }

# mv a b
expect "the rename's entry and destination paths" \
	"$(q "$db" "SELECT entry_path || ' ' || entry2_path FROM op WHERE op IN ('RENAME', 'RENAME2') AND name = 'a' AND errno = 0")" "/a /b"
# after_rename NODE_SQL RENAME_SQL: "count path" of the requests on the node
# after the rename (all of them must show the new path)
after_rename() {
	q "$db" "SELECT count(*) || ' ' || group_concat(DISTINCT path) FROM op
	         WHERE nodeid = ($1) AND id > ($2)"
}
expect "requests on a after mv a b (cat b opens it)" \
	"$(after_rename "SELECT entry_nodeid FROM op WHERE op = 'CREATE' AND name = 'a'" \
	                "SELECT id FROM op WHERE op IN ('RENAME', 'RENAME2') AND name = 'a'" | sed 's/^[1-9][0-9]* /N /')" "N /b"
# mv d e, with d/sub/f below
expect "requests on d/sub/f after mv d e (cat e/sub/f opens it)" \
	"$(after_rename "SELECT entry_nodeid FROM op WHERE op = 'CREATE' AND entry_path = '/d/sub/f'" \
	                "SELECT id FROM op WHERE op IN ('RENAME', 'RENAME2') AND name = 'd'" | sed 's/^[1-9][0-9]* /N /')" "N /e/sub/f"
expect "the write of d/sub/f before the rename" \
	"$(q "$db" "SELECT path FROM op WHERE op = 'WRITE' AND nodeid = (SELECT entry_nodeid FROM op WHERE op = 'CREATE' AND entry_path = '/d/sub/f') LIMIT 1")" "/d/sub/f"
# rsync: created as /copy/.f2.XXXXXX, renamed to /copy/f2
tmp=$(q "$db" "SELECT entry_path FROM op WHERE op = 'CREATE' AND entry_path LIKE '/copy/.f2.%' AND errno = 0")
[ -n "$tmp" ] || ft_fail "no rsync temp file /copy/.f2.* was created"
expect "rsync's rename into place" \
	"$(q "$db" "SELECT entry2_path FROM op WHERE op IN ('RENAME', 'RENAME2') AND entry_path = '$tmp' AND errno = 0")" "/copy/f2"
expect "rsync's write shows the temp name" \
	"$(q "$db" "SELECT path FROM op WHERE op = 'WRITE' AND nodeid = (SELECT entry_nodeid FROM op WHERE op = 'CREATE' AND entry_path = '$tmp') LIMIT 1")" "$tmp"
expect "requests after the rename show /copy/f2" \
	"$(q "$db" "SELECT count(*) > 0 AND sum(path = '/copy/f2') = count(*) FROM op o, (SELECT id AS rid, entry_nodeid AS n FROM op WHERE op = 'CREATE' AND entry_path = '$tmp') c, (SELECT id AS mid FROM op WHERE op IN ('RENAME', 'RENAME2') AND entry_path = '$tmp') m WHERE o.nodeid = c.n AND o.id > m.mid")" 1
# git: index.lock renamed to index
expect "git renamed index.lock to index" \
	"$(q "$db" "SELECT count(*) > 0 FROM op WHERE op IN ('RENAME', 'RENAME2') AND entry_path = '/repo/.git/index.lock' AND entry2_path = '/repo/.git/index' AND errno = 0")" 1
expect "requests on the renamed lock file's node after the rename show /repo/.git/index" \
	"$(q "$db" "SELECT count(*) > 0 AND sum(o.path = '/repo/.git/index') = count(*) FROM op o JOIN op m ON m.op IN ('RENAME', 'RENAME2') AND m.entry_path = '/repo/.git/index.lock' AND m.errno = 0 JOIN op c ON c.op = 'CREATE' AND c.entry_path = '/repo/.git/index.lock' AND c.errno = 0 AND c.id < m.id AND c.id = (SELECT max(id) FROM op WHERE op = 'CREATE' AND entry_path = '/repo/.git/index.lock' AND id < m.id) WHERE o.nodeid = c.entry_nodeid AND o.id > m.id AND o.op NOT IN ('FORGET', 'BATCH_FORGET')")" 1
# every entry request names its entry in full
expect "entry requests without an entry path" \
	"$(q "$db" "SELECT count(*) FROM op WHERE op IN ('LOOKUP', 'CREATE', 'MKDIR', 'MKNOD', 'SYMLINK', 'LINK', 'UNLINK', 'RMDIR', 'RENAME', 'RENAME2') AND (entry_path IS NULL OR entry_path NOT LIKE '%/' || name)")" 0
# xattr names are their own field
expect "the xattr name" \
	"$(q "$db" "SELECT xattr_name || ' on ' || path FROM op WHERE op = 'SETXATTR' AND xattr_name = 'user.comment'")" "user.comment on /b"
expect "no path is made of an xattr name" \
	"$(q "$db" "SELECT count(*) FROM path WHERE path LIKE '%/user.comment' OR path LIKE '%/security.%'")" 0
ft_log "PASS"
