#!/bin/bash
# proc_source.sh — a procfs mounted inside the source (a chroot's /proc),
# read through the mount while one of its processes execs over and over
# with a close-on-exec fd on the mount (proc_exec.py).  Each exec sends a
# FLUSH with its exec_update_lock held; opening /proc/PID/maps (mm_access)
# or reading /proc/PID/stat (do_task_stat) of it waits for that lock.  On
# --threads=2 two such opens or reads served on the workers left none for
# the FLUSH, and the mount, the exec'ing process and every reader of its
# /proc entries hung for good.  Each case must end within 90 s (one exec
# at a time, four readers); a hang is freed through fusectl and reported.
# Runs in a private mount namespace of its own (the procfs mount).
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${FT_PROC_SOURCE_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "proc_source: SKIP: needs root" >&2; exit 77; }
	command -v unshare >/dev/null || { echo "proc_source: unshare (util-linux) missing" >&2; exit 1; }
	# the namespace lets go of other suites' FUSE mounts first (detach_fuse.sh)
	exec env FT_PROC_SOURCE_NS=1 unshare --mount --propagation private \
		sh -c '"$0" && exec "$@"' "$here/../lib/detach_fuse.sh" /bin/bash "$0" "$@"
fi
. "$here/../lib/common.sh"
. "$here/../record/lib.sh"    # abort_mount, fuse_mount_id
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
ft_init

src=$(ft_tmpdir)
mkdir "$src/proc"
echo data > "$src/f"
mount -t proc proc "$src/proc" || ft_fail "mount procfs in the source"
# the procfs goes whatever happens (ft_cleanup leaves other mounts in place)
trap 'rc=$?; umount "$src/proc" 2>/dev/null; (exit $rc); ft_cleanup' EXIT
fails=0
for cfg in "maps:--threads=2" "stat:--threads=2 --io=direct"; do
	what=${cfg%%:*}; opts=${cfg#*:}
	mnt=$(ft_tmpdir)
	# shellcheck disable=SC2086
	ft_mount "$src" "$mnt" $opts
	id=$(fuse_mount_id "$mnt")
	timeout -s KILL 90 /usr/bin/python3 "$here/proc_exec.py" "$mnt" "$what" 40 4 > "$mnt.out" 2>&1 &
	ft_track_pid $!
	wait $!; rc=$?
	if [ $rc = 137 ]; then
		echo "HANG [/proc/PID/$what, $opts]: no end within 90 s"
		sed 's/^/    | /' <(ft_daemon_log "$mnt") | grep -m4 stall
		abort_mount "$mnt" "$id"
		fails=$((fails + 1))
		ft_umount "$mnt" >/dev/null 2>&1
		continue
	fi
	[ $rc = 0 ] && [ "$(cat "$mnt.out")" = done ] ||
		ft_fail "[$what, $opts] proc_exec.py: status $rc: $(cat "$mnt.out")"
	ft_umount "$mnt" || ft_fail "[$opts] unmount"
	echo "ok   /proc/PID/$what through the mount while PID execs [$opts]"
done
umount "$src/proc" || ft_fail "unmount the procfs in the source"
[ $fails = 0 ] || ft_fail "$fails of 2 cases hung"
echo "proc_source: PASS"
