#!/bin/bash
# signals.sh — every way a mount can end leaves no mount behind:
# SIGINT, SIGTERM, fusermount3 -u, and kill -9 of the daemon (the unmount
# guard / auto_unmount must clean up).  Also: the daemon exits by itself
# after each, and no process of ours remains.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
ft_need_root
ft_init

wait_gone() {   # wait_gone MNT PID WHAT
	local i
	for ((i = 0; i < 100; i++)); do
		if ! ft_any_mount_at "$1" && ! kill -0 "$2" 2>/dev/null; then
			echo "$3: mount gone, daemon exited"
			return 0
		fi
		sleep 0.1
	done
	ft_any_mount_at "$1" && ft_fail "$3: $1 is still mounted after 10 s"
	ft_fail "$3: daemon $2 still running after 10 s"
}

guard_gone() {  # no guard process of this daemon survives it
	local i p
	for ((i = 0; i < 50; i++)); do
		[ -z "$(ft_pids_matching "fusetrace mount .*$1")" ] && return 0
		sleep 0.1
	done
	for p in $(ft_pids_matching "fusetrace mount .*$1"); do echo "$p $(ft_cmdline "$p")"; done >&2
	ft_fail "$2: a fusetrace process for $1 remains"
}

for how in SIGINT SIGTERM fusermount kill9; do
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	echo "data-$how" > "$src/file"
	ft_mount "$src" "$mnt"
	idx=$((${#FT_PIDS[@]} - 1)); pid=${FT_PIDS[idx]}
	[ "$(cat "$mnt/file")" = "data-$how" ] || ft_fail "$how: mount does not serve the source"
	case $how in
	SIGINT) kill -INT "$pid" ;;
	SIGTERM) kill -TERM "$pid" ;;
	fusermount) fusermount3 -u "$mnt" || ft_fail "fusermount3 -u failed" ;;
	kill9) kill -KILL "$pid" ;;
	esac
	wait_gone "$mnt" "$pid" "$how"
	guard_gone "$mnt" "$how"
	# the source is untouched and still readable, and no dead mount is left
	[ "$(cat "$src/file")" = "data-$how" ] || ft_fail "$how: source damaged"
	stat "$mnt" >/dev/null 2>&1 || ft_fail "$how: $mnt is unusable (dead mount?)"
	# a clean end exits 0; kill -9 is 128 + 9
	st=0; [ $how = kill9 ] && st=137
	ft_umount --status=$st "$mnt" || ft_fail "$how: the daemon's exit (status $FT_STATUS, expected $st) or log is wrong"
done

# kill -9 while a workload is busy in the mount: the mount still goes away
src=$(ft_tmpdir); mnt=$(ft_tmpdir)
ft_mount "$src" "$mnt"
idx=$((${#FT_PIDS[@]} - 1)); pid=${FT_PIDS[idx]}
( i=0; while [ $i -lt 100000 ]; do echo $i > "$mnt/f$((i % 50))" 2>/dev/null || exit 0; i=$((i + 1)); done ) &
busy=$!; ft_track_pid "$busy"
sleep 0.5
kill -KILL "$pid"
wait_gone "$mnt" "$pid" "kill9-busy"
wait "$busy" 2>/dev/null
ft_umount --status=137 "$mnt" || ft_fail "kill9-busy: the daemon's exit (status $FT_STATUS) or log is wrong"
echo "signals: all ok"
