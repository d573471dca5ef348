#!/bin/bash
# overmount.sh — `fusetrace mount DIR` and `fusetrace record DIR -- cmd`
# mount over DIR itself: the shim sees DIR's real contents (opened before
# being covered), a command run inside changes them, and afterwards DIR holds
# exactly what the same command run directly would have left.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
ft_need_root
ft_init

workload='set -e
cat seed.txt > copy.txt
echo appended >> seed.txt
mkdir -p sub/deeper
printf "%s\n" one two three > sub/deeper/list
ln -s sub/deeper/list link
ln seed.txt hard
mv copy.txt sub/moved.txt
rm old.txt
chmod 0600 sub/moved.txt
touch -d "2020-01-02 03:04:05" sub/moved.txt
ls -la . sub > listing.txt'

make_tree() {
	mkdir -p "$1"
	echo "seed line" > "$1/seed.txt"
	echo "to be removed" > "$1/old.txt"
}

manifest() {   # types, names, sizes, modes, link targets, mtimes of files, contents
	(cd "$1" && find . -mindepth 1 -printf '%y %p %s %m %l\n' | grep -v ' ./listing.txt ' | sort &&
		find . -type f ! -name listing.txt -printf '%p %T@\n' | grep moved | sort &&
		find . -type f ! -name listing.txt -exec sha256sum {} + | sort)
}

native=$(ft_tmpdir); over=$(ft_tmpdir); rec=$(ft_tmpdir); dbdir=$(ft_tmpdir)
make_tree "$native/d"; make_tree "$over/d"; make_tree "$rec/d"
(cd "$native/d" && sh -c "$workload") || ft_fail "workload failed natively"

# 1. mount DIR over itself, run the workload through it, unmount
ft_mount "$over/d" "$over/d"
grep -q "fuse.fusetrace" <(awk -v m="$over/d" '$5 == m' /proc/self/mountinfo) || ft_fail "not mounted over $over/d"
[ "$(cat "$over/d/seed.txt")" = "seed line" ] || ft_fail "overmount does not show the covered directory"
(cd "$over/d" && sh -c "$workload") || ft_fail "workload failed through the overmount"
ft_umount "$over/d" || ft_fail "unmount of $over/d failed"
diff <(manifest "$native/d") <(manifest "$over/d") || ft_fail "mount DIR: result differs from a direct run"
echo "overmount: mount DIR leaves what a direct run leaves"

# 2. record DIR -- sh -c workload: exit status passes through
(cd "$dbdir" && "$FUSETRACE" record --db "$dbdir/rec.db" "$rec/d" -- sh -c "$workload") \
	> "$dbdir/out" 2>&1 || { cat "$dbdir/out"; ft_fail "record failed"; }
ft_any_mount_at "$rec/d" && ft_fail "record left $rec/d mounted"
diff <(manifest "$native/d") <(manifest "$rec/d") || ft_fail "record DIR: result differs from a direct run"
echo "overmount: record DIR leaves what a direct run leaves"

# 3. the command's exit status is record's exit status
"$FUSETRACE" record --db "$dbdir/rc.db" "$rec/d" -- sh -c 'exit 7' 2>/dev/null
rc=$?
[ $rc = 7 ] || ft_fail "record should exit with the command's status 7, got $rc"
"$FUSETRACE" record --db "$dbdir/rc2.db" "$rec/d" -- /nonexistent/command 2>/dev/null
rc=$?
[ $rc = 127 ] || ft_fail "record of a missing command should exit 127, got $rc"
ft_any_mount_at "$rec/d" && ft_fail "record left a mount"

# 4. the recording is never written under the mountpoint
if (cd "$rec/d" && "$FUSETRACE" record "$rec/d" -- true) 2>"$dbdir/err"; then
	ft_fail "record with its default database inside DIR should be refused"
fi
grep -q "under the mountpoint" "$dbdir/err" || { cat "$dbdir/err"; ft_fail "no clear refusal message"; }
ls "$rec/d"/fusetrace-*.db >/dev/null 2>&1 && ft_fail "a database was created under the mountpoint"
echo "overmount: all ok"
