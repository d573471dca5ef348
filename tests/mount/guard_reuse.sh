#!/bin/bash
# guard_reuse.sh — a dead daemon's unmount guard never removes the next
# mount at the same path.
#
# The kernel hands the same mount id (and the same anonymous device) to the
# next mount at once.  Reproduction: mount; stop the first daemon's guard
# (SIGSTOP); fusermount3 -u; mount again at the same path; let the old guard
# run (SIGCONT).  The new mount must survive and its daemon keep serving.
# Run twice: with the kernel's unique mount id (6.8+), and with the method
# for older kernels (dev + fusectl connection), forced by an environment
# variable.  Then the guard's real job: kill -9 of the daemon still unmounts.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
ft_init

# guard_of PID: the unmount guard, the daemon's only child (from procfs's
# children lists, not ps: ps reads every process's stat, which waits behind
# any process of the machine stuck in exec)
guard_of() {
	local i g
	for ((i = 0; i < 100; i++)); do
		g=$(cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -m1 .)
		[ -n "$g" ] && { echo "$g"; return 0; }
		sleep 0.05
	done
	ft_fail "daemon $1 has no guard process"
}

state_of() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null; }

mount_id_at() {  # mountinfo's (reusable) id of the topmost mount at $1
	awk -v m="$1" '$5 == m { id = $1 } END { print id }' /proc/self/mountinfo
}

wait_pid_gone() {  # wait_pid_gone PID WHAT (not our child: poll)
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	ft_fail "$2: process $1 still there after 10 s"
}

untrack_pid() {  # the pid is gone: cleanup must not kill a reuse of it
	local p keep=()
	for p in "${FT_EXTRA_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	FT_EXTRA_PIDS=("${keep[@]}")
}

reuse_case() {  # reuse_case LABEL [ENV=VALUE]
	local label=$1; shift
	local src mnt pid1 guard pid2 id1 id2
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	echo first > "$src/file"
	env "$@" true || ft_fail "bad environment $*"
	FT_MOUNT_CMD="env $* $FUSETRACE mount" ft_mount "$src" "$mnt"
	pid1=${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}
	guard=$(guard_of "$pid1")
	id1=$(mount_id_at "$mnt")
	kill -STOP "$guard"
	ft_track_pid "$guard"   # if the test fails half way, it is killed
	# unmount from outside: the first daemon ends, its guard cannot act yet
	ft_umount "$mnt" || ft_fail "$label: first unmount"
	# the same path again, with a new daemon
	echo second > "$src/file"
	FT_MOUNT_CMD="env $* $FUSETRACE mount" ft_mount "$src" "$mnt"
	pid2=${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}
	id2=$(mount_id_at "$mnt")
	echo "$label: mount id before $id1, after $id2 ($([ "$id1" = "$id2" ] && echo reused || echo not reused))"
	[ "$(state_of "$guard")" = T ] || ft_fail "$label: the old guard $guard is not stopped (state $(state_of "$guard"))"
	kill -CONT "$guard"
	wait_pid_gone "$guard" "$label: old guard"
	untrack_pid "$guard"
	ft_is_mounted "$mnt" || ft_fail "$label: the old guard unmounted the new mount"
	kill -0 "$pid2" 2>/dev/null || ft_fail "$label: the new daemon exited"
	[ "$(cat "$mnt/file")" = second ] || ft_fail "$label: the new mount does not serve"
	echo written > "$mnt/new" || ft_fail "$label: cannot write through the new mount"
	[ "$(cat "$src/new")" = written ] || ft_fail "$label: write did not reach the source"
	ft_umount "$mnt" || ft_fail "$label: the new daemon's exit or log is wrong"
	echo "$label: the new mount survived the old guard and served"
}

kill9_case() {  # kill9_case LABEL [ENV=VALUE]: the guard still does its job
	local label=$1; shift
	local src mnt pid i
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	FT_MOUNT_CMD="env $* $FUSETRACE mount" ft_mount "$src" "$mnt"
	pid=${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}
	kill -KILL "$pid"
	for ((i = 0; i < 100; i++)); do
		ft_any_mount_at "$mnt" || break
		sleep 0.1
	done
	ft_any_mount_at "$mnt" && ft_fail "$label: kill -9 left the mount behind"
	ft_umount --status=137 "$mnt" || ft_fail "$label: daemon status"
	echo "$label: kill -9 of the daemon: the guard unmounted"
}

reuse_case "unique-id" FT_DUMMY=1
kill9_case "unique-id" FT_DUMMY=1
if [ -r /sys/fs/fuse/connections ] && grep -q ' - fusectl ' /proc/self/mountinfo; then
	reuse_case "fallback (dev + fusectl)" FUSETRACE_TEST_GUARD_FALLBACK=1
	kill9_case "fallback (dev + fusectl)" FUSETRACE_TEST_GUARD_FALLBACK=1
else
	ft_fail "fusectl is not mounted at /sys/fs/fuse/connections (tools/start-services.sh mounts it)"
fi
echo "guard_reuse: all ok"
