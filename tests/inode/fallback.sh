#!/bin/bash
# fallback.sh — a source subtree without file handles (a ramfs mounted inside
# the source: name_to_handle_at gives EOPNOTSUPP).
#  prefer:    everything works there (create, write, read, readdir, rename,
#             unlink, mkdir, rmdir); the recording shows a FALLBACK event with
#             EOPNOTSUPP for every ramfs inode and a HANDLE event for every
#             ext4 one.
#  mandatory: lookups inside the ramfs fail with EOPNOTSUPP ("Operation not
#             supported" from stat), ext4 paths keep working, and listing the
#             parent still shows the name (as natively: readdir needs no
#             handle), also with readdirplus in a directory where the
#             handle-less entry sits between others (ls -a, ls -l).
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root "mounts a ramfs, file handles need CAP_DAC_READ_SEARCH"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"

RAMFS=()
# The ramfs must go after the FUSE daemons (which may hold fds in it) and
# before common.sh removes the scratch root: wrap its cleanup.
in_cleanup() {
	local rc=$? i
	for ((i = ${#FT_MOUNTS[@]} - 1; i >= 0; i--)); do
		[ -n "${FT_MOUNTS[i]}" ] && ft_umount "${FT_MOUNTS[i]}" >/dev/null 2>&1
	done
	for m in "${RAMFS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	(exit $rc); ft_cleanup
}
trap in_cleanup EXIT

src=$(ft_tmpdir)
mkdir "$src/ram"
mount -t ramfs -o mode=755 fusetrace-test-ramfs "$src/ram" || ft_skip "cannot mount a ramfs"
RAMFS+=("$src/ram")
ram_mnt_id=$(awk -v m="$src/ram" '$5 == m { print $1 }' /proc/self/mountinfo)
echo "ram preexisting" >"$src/ram/pre"
echo "ext4 preexisting" >"$src/e"
mkdir "$src/edir"; echo "deep" >"$src/edir/f"
ft_log "ramfs at $src/ram, mount id $ram_mnt_id"

# ---- prefer -----------------------------------------------------------
mnt=$(ft_tmpdir); db="$FT_ROOT/prefer.db"
ft_mount "$src" "$mnt" --handles=prefer --db "$db"
r="$mnt/ram"
step() { local what=$1; shift; "$@" || ft_fail "[prefer] $what failed inside the ramfs: $*"; }
step "read" grep -qx "ram preexisting" "$r/pre"
step "create+write" sh -c "echo hello >'$r/a'"
step "append" sh -c "echo world >>'$r/a'"
got=$(cat "$r/a"); [ "$got" = "hello
world" ] || ft_fail "[prefer] ramfs file content: expected 'hello\\nworld', got '$got'"
step "mkdir" mkdir "$r/d"
step "rename" mv "$r/a" "$r/d/b"
list=$(ls "$r/d") || ft_fail "[prefer] readdir of ramfs dir failed"
[ "$list" = b ] || ft_fail "[prefer] readdir of $r/d: expected 'b', got '$list'"
list=$(ls -a "$r" | tr '\n' ' ')
[ "$list" = ". .. d pre " ] || ft_fail "[prefer] readdir of $r: expected '. .. d pre ', got '$list'"
[ "$(cat "$src/ram/d/b" | head -1)" = hello ] || ft_fail "[prefer] the rename did not reach the ramfs source"
step "stat after rename" stat "$r/d/b" >/dev/null
step "chmod" chmod 600 "$r/d/b"
[ "$(stat -c %a "$src/ram/d/b")" = 600 ] || ft_fail "[prefer] chmod through the mount did not reach the ramfs"
step "unlink" rm "$r/d/b"
step "rmdir" rmdir "$r/d"
step "symlink" ln -s pre "$r/l"
[ "$(cat "$r/l")" = "ram preexisting" ] || ft_fail "[prefer] reading through a ramfs symlink"
# ext4 paths alongside
[ "$(cat "$mnt/e")" = "ext4 preexisting" ] || ft_fail "[prefer] ext4 file unreadable"
[ "$(cat "$mnt/edir/f")" = "deep" ] || ft_fail "[prefer] ext4 subdir file unreadable"
echo new >"$mnt/enew" || ft_fail "[prefer] create on ext4 failed"
ls -l "$mnt" >/dev/null || ft_fail "[prefer] ls -l of the root failed"
ft_umount "$mnt" || ft_fail "[prefer] unmount failed"
ft_log "[prefer] create/write/append/read/mkdir/rename/readdir/chmod/unlink/rmdir/symlink in the ramfs: all OK"

# ---- mandatory -----------------------------------------------------------
# a directory whose middle entry is a handle-less mountpoint
mkdir "$src/d" "$src/d/r"; : >"$src/d/a"; : >"$src/d/z"
mount -t ramfs -o mode=755 fusetrace-test-ramfs "$src/d/r" || ft_skip "cannot mount a second ramfs"
RAMFS+=("$src/d/r")
mnt=$(ft_tmpdir)
ft_mount "$src" "$mnt" --handles=mandatory
out=$(stat "$mnt/ram" 2>&1) && ft_fail "[mandatory] stat of the ramfs dir: expected 'Operation not supported', it succeeded: $out"
case $out in *"Operation not supported"*) ;; *) ft_fail "[mandatory] stat $mnt/ram: expected 'Operation not supported', got: $out";; esac
ft_log "[mandatory] stat of the ramfs dir: $out"
out=$(cat "$mnt/ram/pre" 2>&1) && ft_fail "[mandatory] reading inside the ramfs: expected failure, got '$out'"
case $out in *"Operation not supported"*) ;; *) ft_fail "[mandatory] cat $mnt/ram/pre: expected 'Operation not supported', got: $out";; esac
[ "$(cat "$mnt/e")" = "ext4 preexisting" ] || ft_fail "[mandatory] ext4 file unreadable"
[ "$(cat "$mnt/edir/f")" = "deep" ] || ft_fail "[mandatory] ext4 subdir file unreadable"
echo x >"$mnt/enew2" || ft_fail "[mandatory] create on ext4 failed"
rm "$mnt/enew2" || ft_fail "[mandatory] unlink on ext4 failed"
# listing the parent needs no handle for the ramfs entry: natively it lists
# 'ram'; a readdirplus entry whose lookup fails must not break the listing
list=$(ls "$mnt" 2>&1 | tr '\n' ' ')
want=$(ls "$src" | tr '\n' ' ')
[ "$list" = "$want" ] || ft_fail "[mandatory] ls of the root (which contains the ramfs mountpoint): expected '$want', got '$list'"
# readdirplus of a directory holding it: the entry whose lookup fails is
# still listed (without attributes), the listing goes on past it, and a
# second listing works as well; the lookup of that name gives the error
for round in 1 2; do
	list=$(ls -a "$mnt/d" 2>&1 | tr '\n' ' ')
	[ "$list" = ". .. a r z " ] || ft_fail "[mandatory] ls -a $mnt/d (round $round): expected '. .. a r z ', got '$list'"
done
out=$(ls -l "$mnt/d" 2>&1)
for n in a r z; do
	echo "$out" | grep -q " $n\$" || ft_fail "[mandatory] ls -l $mnt/d does not list $n: $out"
done
case $out in *"cannot access '$mnt/d/r': Operation not supported"*) ;;
*) ft_fail "[mandatory] ls -l $mnt/d: expected \"cannot access '$mnt/d/r': Operation not supported\", got: $out";; esac
out=$(stat "$mnt/d/r" 2>&1) && ft_fail "[mandatory] stat $mnt/d/r: expected 'Operation not supported', it succeeded: $out"
case $out in *"Operation not supported"*) ;; *) ft_fail "[mandatory] stat $mnt/d/r: expected 'Operation not supported', got: $out";; esac
[ -f "$mnt/d/z" ] || ft_fail "[mandatory] $mnt/d/z (listed after the failing entry) is not reachable"
ft_log "[mandatory] ls of a directory with a handle-less entry: '$list'; its lookup: $out"
ft_umount "$mnt" || ft_fail "[mandatory] unmount failed"

# ---- the recording (prefer) ---------------------------------------------
in_require_db "$db" "fallback [prefer]"
# inode_history shows every event with its entry's identity (mnt_id)
root_mnt=$(in_sql "$db" "SELECT mnt_id FROM inode_history WHERE nodeid = 1 AND kind = 'NEW'")
q() { in_sql "$db" "$1"; }
ram_new=$(q "SELECT count(*) FROM inode_history WHERE kind = 'NEW' AND mnt_id = $ram_mnt_id")
ram_fb=$(q "SELECT count(*) FROM inode_history WHERE kind = 'FALLBACK' AND mnt_id = $ram_mnt_id AND err = 95")
ram_h=$(q "SELECT count(*) FROM inode_history WHERE kind = 'HANDLE' AND mnt_id = $ram_mnt_id")
ext_new=$(q "SELECT count(*) FROM inode_history WHERE kind = 'NEW' AND mnt_id = $root_mnt AND nodeid <> 1")
ext_h=$(q "SELECT count(*) FROM inode_history WHERE kind = 'HANDLE' AND mnt_id = $root_mnt")
ext_fb=$(q "SELECT count(*) FROM inode_history WHERE kind = 'FALLBACK' AND mnt_id = $root_mnt")
ft_log "recording: ramfs (mnt $ram_mnt_id): $ram_new NEW, $ram_fb FALLBACK(EOPNOTSUPP), $ram_h HANDLE; ext4 (mnt $root_mnt): $ext_new NEW, $ext_h HANDLE, $ext_fb FALLBACK"
[ "$ram_new" -ge 5 ] || ft_fail "recording: expected at least 5 ramfs inodes, got $ram_new"
[ "$ram_fb" = "$ram_new" ] || ft_fail "recording: expected a FALLBACK with err=EOPNOTSUPP(95) for each of the $ram_new ramfs inodes, got $ram_fb ($(q "SELECT group_concat(path||':'||err) FROM inode_history WHERE kind = 'FALLBACK'"))"
[ "$ram_h" = 0 ] || ft_fail "recording: expected no HANDLE event on the ramfs, got $ram_h"
[ "$ext_new" -ge 3 ] || ft_fail "recording: expected >= 3 ext4 inodes (e, edir, edir/f, enew), got $ext_new"
[ "$ext_h" = "$ext_new" ] || ft_fail "recording: expected a HANDLE event for each of the $ext_new ext4 inodes, got $ext_h"
[ "$ext_fb" = 0 ] || ft_fail "recording: expected no FALLBACK on ext4, got $ext_fb"
echo "fallback: PASS"
