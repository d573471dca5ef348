#!/bin/bash
# self_reach.sh — the source reaches the mount itself, made so after the
# mount (where the mount-time refusal of a mountpoint inside the source
# cannot see it): a bind mount of the mountpoint, or of a file of the
# mount, inside the source, and a mount that appears inside the source by
# mount propagation (a shared peer of the source's directory, as systemd's
# shared / makes them).  A name that leads there must be answered (ELOOP),
# never served: a worker serving it waits for a request of its own mount,
# so two nested levels on --threads=2 (or as many at once as there are
# workers) froze the mount for good — every worker in request_wait_answer
# under fuse_send_open or fuse_lookup_name.  Everything else keeps working.
# A hang is freed through fusectl and reported.  Runs in a private mount
# namespace of its own, so its bind mounts never reach the rest of the
# machine.
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${FT_SELF_REACH_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "self_reach: SKIP: needs root" >&2; exit 77; }
	command -v unshare >/dev/null || { echo "self_reach: unshare (util-linux) missing" >&2; exit 1; }
	# the namespace lets go of other suites' FUSE mounts first (detach_fuse.sh)
	exec env FT_SELF_REACH_NS=1 unshare --mount --propagation private \
		sh -c '"$0" && exec "$@"' "$here/../lib/detach_fuse.sh" /bin/bash "$0" "$@"
fi
. "$here/../lib/common.sh"
. "$here/../record/lib.sh"    # abort_mount, fuse_mount_id
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
ft_init

# bounded LABEL MNT ID CMD...: CMD, in the background with its output in a
# file (a request stuck in the kernel keeps its process until the abort),
# within 20 s; a hang aborts the connection and fails.  Prints the output.
bounded() {
	local label=$1 mnt=$2 id=$3; shift 3
	timeout -s KILL 20 "$@" > "$FT_ROOT/b.out" 2>&1 &
	ft_track_pid $!
	wait $!; local rc=$?
	if [ $rc = 137 ]; then
		local w
		w=$(cat /sys/fs/fuse/connections/*/waiting 2>/dev/null | tr '\n' ' ')
		abort_mount "$mnt" "$id"
		ft_umount "$mnt" >/dev/null 2>&1
		ft_fail "$label: no answer within 20 s, the mount hung (freed through fusectl; waiting: $w)"
	fi
	cat "$FT_ROOT/b.out"
	return $rc
}

# expect_eloop LABEL MNT ID CMD...: CMD fails, saying ELOOP
expect_eloop() {
	local label=$1 mnt=$2 id=$3 out; shift 3
	out=$(bounded "$label" "$mnt" "$id" "$@") && ft_fail "$label: succeeded: $out"
	case $out in
	*"Too many levels of symbolic links"*) echo "ok: $label -> ELOOP" ;;
	*) ft_fail "$label: not ELOOP: $out" ;;
	esac
}

# --- a bind mount of the mountpoint, and of one of its files, in the source
src=$(ft_tmpdir); mnt=$(ft_tmpdir)
mkdir "$src/loop"
echo data > "$src/f"
echo other > "$src/g"
ft_mount "$src" "$mnt" --threads=2
id=$(fuse_mount_id "$mnt")
mount --bind "$mnt" "$src/loop" || ft_fail "bind mount of the mountpoint"
mount --bind "$mnt/f" "$src/g" || ft_fail "bind mount of a file of the mount"
expect_eloop "cat MNT/loop/loop/loop/f (three nested levels, two workers)" "$mnt" "$id" \
	cat "$mnt/loop/loop/loop/f"
expect_eloop "stat MNT/loop" "$mnt" "$id" stat "$mnt/loop"
expect_eloop "cat MNT/g (a file of the mount bound over a source file)" "$mnt" "$id" cat "$mnt/g"
# as many at once as there are workers, and more
bounded "four processes at once through MNT/loop" "$mnt" "$id" \
	sh -c "for i in 1 2 3 4; do cat '$mnt/loop/f' 2>/dev/null & done; wait" >/dev/null
# the listing names them (ls says what their lookups said), the rest works
out=$(bounded "ls MNT" "$mnt" "$id" ls "$mnt")
[ "$(echo "$out" | tr '\n' ' ')" = "f g loop " ] || ft_fail "ls MNT: $out"
out=$(bounded "cat MNT/f" "$mnt" "$id" cat "$mnt/f") || ft_fail "cat MNT/f: $out"
[ "$out" = data ] || ft_fail "cat MNT/f: '$out'"
bounded "write MNT/new" "$mnt" "$id" sh -c "echo new > '$mnt/new'" || ft_fail "write MNT/new"
[ "$(cat "$src/new")" = new ] || ft_fail "MNT/new did not reach the source"
ft_daemon_log "$mnt" | grep -q "reaches this mount itself" ||
	ft_fail "the daemon did not say why: $(ft_daemon_log "$mnt")"
umount "$src/g" && umount "$src/loop" || ft_fail "unmount of the bind mounts"
ft_umount "$mnt" || ft_fail "unmount"

# --- mount propagation: the mountpoint is in a shared peer of the source
base=$(ft_tmpdir); peer=$(ft_tmpdir)
mkdir "$base/m"
echo data > "$base/f"
mount --bind "$base" "$base" && mount --make-shared "$base" && mount --bind "$base" "$peer" ||
	ft_fail "shared peer setup"
# the mountpoint is not inside the source by its path: nothing refuses it
ft_mount "$base" "$peer/m" --threads=2
id=$(fuse_mount_id "$peer/m")
grep -q " $base/m " /proc/self/mountinfo || ft_fail "the mount did not propagate into the source"
expect_eloop "cat MNT/m/m/m/f (propagated into the source)" "$peer/m" "$id" cat "$peer/m/m/m/m/f"
out=$(bounded "cat MNT/f" "$peer/m" "$id" cat "$peer/m/f") || ft_fail "cat MNT/f: $out"
[ "$out" = data ] || ft_fail "cat MNT/f (propagation): '$out'"
ft_umount "$peer/m" || ft_fail "unmount (propagation)"
umount "$peer" && umount "$base" || ft_fail "unmount of the peers"
echo "self_reach: PASS"
