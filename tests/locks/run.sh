#!/bin/bash
# run.sh — POSIX locks, flock and xattrs on a real fusetrace mount (locktest.c).
#
#   FUSETRACE=/path/to/fusetrace run.sh --locktest /path/to/locktest [MOUNT OPTIONS...]
#
# Mounts with --threads=4 (fewer workers than the test's blocked waiters, so
# a waiter parked on a worker would starve the mount), runs the checks, and
# unmounts; tests/lib/common.sh guarantees no mount or process is left.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
ft_need_root "trusted.* xattrs, device nodes"
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"

locktest=""
if [ "${1:-}" = --locktest ]; then
	locktest=$2
	shift 2
fi
[ -x "$locktest" ] || { echo "usage: run.sh --locktest PATH [mount options]" >&2; exit 2; }

ft_init
src=$(ft_tmpdir)
mnt=$(ft_tmpdir)
# the source must support trusted.* xattrs (ext4/tmpfs do)
python3 -c "import os,sys; os.setxattr(sys.argv[1], 'trusted.probe', b'1'); os.removexattr(sys.argv[1], 'trusted.probe')" "$src" ||
	ft_skip "source filesystem of $src has no trusted.* xattrs"

opts=("$@")
[ ${#opts[@]} -gt 0 ] || opts=(--threads=4)
ft_mount "$src" "$mnt" "${opts[@]}"
ft_run "$locktest" "$mnt" "$src"
rc=$?
if [ $rc -ne 0 ]; then
	ft_log "locktest failed (status $rc); daemon log:"
	ft_daemon_log "$mnt" | tail -50 | sed 's/^/    | /' >&2
fi
ft_umount "$mnt" || { ft_log "unmount misbehaved"; rc=1; }

# Ending the daemon while lock requests are blocked in it: the waiter threads
# must be knocked out of their calls so the daemon exits at once, and the
# blocked processes get an error instead of hanging.
src=$(ft_tmpdir)
mnt=$(ft_tmpdir)
echo x >"$src/f"
ft_mount "$src" "$mnt" "${opts[@]}"
dpid=${FT_PIDS[${#FT_PIDS[@]} - 1]}
# lock KIND PATH SECONDS [READY]: take a flock or POSIX write lock (blocking),
# create READY once it is held, hold it SECONDS
lock='import fcntl, os, sys, time
fd = os.open(sys.argv[2], os.O_RDWR)
(fcntl.flock if sys.argv[1] == "flock" else fcntl.lockf)(fd, fcntl.LOCK_EX)
if len(sys.argv) > 4: open(sys.argv[4], "w").close()
time.sleep(float(sys.argv[3]))'
ready=$(ft_tmpdir)
for kind in flock posix; do
	python3 -c "$lock" $kind "$src/f" 60 "$ready/$kind" </dev/null >/dev/null 2>&1 & ft_track_pid $!
done
# the holders must hold their locks before the waiters come (a loaded
# machine can take longer than any fixed sleep to start python)
for ((i = 0; i < 200; i++)); do [ -e "$ready/flock" ] && [ -e "$ready/posix" ] && break; sleep 0.05; done
[ -e "$ready/flock" ] && [ -e "$ready/posix" ] || ft_fail "the lock holders did not get their locks in 10 s"
waiters=()
for i in 1 2 3; do
	for kind in flock posix; do
		python3 -c "$lock" $kind "$mnt/f" 0 </dev/null >/dev/null 2>&1 & waiters+=($!); ft_track_pid $!
	done
done
sleep 0.5
for p in "${waiters[@]}"; do
	kill -0 "$p" 2>/dev/null || { ft_log "FAIL: a waiter was not blocked"; rc=1; }
done
kill -TERM "$dpid"
for ((i = 0; i < 50; i++)); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$dpid" 2>/dev/null; then
	ft_log "FAIL: daemon still running 5 s after SIGTERM with blocked lock waiters"
	rc=1
else
	echo "ok - shutdown: daemon exits at once with blocked lock waiters"
fi
for ((i = 0; i < 50; i++)); do
	left=0
	for p in "${waiters[@]}"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
	[ $left = 0 ] && break
	sleep 0.1
done
if [ $left != 0 ]; then
	ft_log "FAIL: $left blocked waiters still hang after the daemon ended"
	rc=1
else
	echo "ok - shutdown: blocked waiters get an error, none hangs"
fi
ft_umount "$mnt" || { ft_log "FAIL: mount left behind after shutdown"; rc=1; }
exit $rc
