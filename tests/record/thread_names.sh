#!/bin/bash
# thread_names.sh — a recording daemon's own threads carry names that say
# what they are (/proc/PID/task/TID/comm: what top -H, ps -L and gdb show),
# while the process itself is still named fusetrace:
#   ft-ident     reads callers' identities from /proc
#   ft-creds     reads callers' credentials from /proc
#   ft-procev    the process events connector (when the kernel has one)
#   ft-watchdog  the stall watchdog and the fuse_waiting sampler
#   ft-lockwait  one per F_SETLKW waiting for a lock, while it waits
#   ft-seek      one per SEEK_DATA/SEEK_HOLE waiting for the kernel to write
#                the file's dirty pages back (not checked here: brief)
#   ft-writer    the recorder's writer (--db)
#   ft-ktrace    the reader of the kernel's side (as root, unless the
#                daemon says the kernel side is not recorded)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init
src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
PY=/usr/bin/python3
echo data > "$src/lockfile"

ft_mount "$src" "$mnt" --db "$out/t.db"
pid=${FT_PIDS[-1]}
log=${FT_LOGS[-1]}
names() { cat /proc/"$pid"/task/*/comm 2>/dev/null | sort -u | tr '\n' ' '; }
has_thread() { [[ " $(names)" == *" $1 "* ]]; }

expect "the daemon's process name" "$(cat /proc/"$pid"/comm)" fusetrace
want="ft-ident ft-creds ft-watchdog ft-writer"
if grep -q "kernel side not recorded" "$log"; then
	echo "note: the daemon records no kernel side here (daemon log): no ft-ktrace thread"
else
	want+=" ft-ktrace"
fi
if grep -q "no process events connector" "$log"; then
	echo "note: this kernel gives no process events connector (daemon log): no ft-procev thread"
else
	want+=" ft-procev"
fi
for t in $want; do
	has_thread "$t" || ft_fail "no thread named $t in the daemon: $(names)"
	echo "ok: thread $t"
done

# A lock wait: a process outside the mount holds a POSIX lock on the source
# file; a process inside asks for it with F_SETLKW through the mount.
"$PY" - "$src/lockfile" "$out/held" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)
PY
holder=$!; ft_track_pid "$holder"
for i in $(seq 1 100); do [ -e "$out/held" ] && break; sleep 0.1; done
[ -e "$out/held" ] || ft_fail "the holder did not take its lock within 10 s"
"$PY" -c '
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("GRANTED")
' "$mnt/lockfile" > "$out/waiter.out" 2>&1 &
waiter=$!; ft_track_pid "$waiter"
for i in $(seq 1 100); do has_thread ft-lockwait && break; sleep 0.1; done
has_thread ft-lockwait || ft_fail "no thread named ft-lockwait while a lock is waited for: $(names)"
echo "ok: thread ft-lockwait while F_SETLKW waits"
kill "$holder"; wait "$holder" 2>/dev/null
ft__reap "$waiter" 100 || ft_fail "the waiter did not get its lock within 10 s of the holder's exit"
expect "the waiter's lock" "$(cat "$out/waiter.out")" GRANTED
ft_umount "$mnt" > /dev/null || ft_fail "unmount failed"
echo "thread_names: the daemon's threads are named"
