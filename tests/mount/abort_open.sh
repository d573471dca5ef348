#!/bin/bash
# abort_open.sh — a connection aborted through fusectl (the way out of a
# hung mount) while an OPEN is being served: the daemon ends with status 3
# and says the connection was aborted.  The OPEN waits in the source's
# open() for a lease held on the source file (tests/ktrace/lease.py);
# after the abort the lease goes, the open returns, and its reply fails
# (ENODEV).  Undoing that open read the request after fuse_reply_open had
# freed it: the daemon died (glibc's __pthread_tpp_change_priority
# assertion, SIGABRT, from a mutex of garbage memory) or went on with
# corrupted memory.  An OPENDIR reply did the same.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../record/lib.sh"    # abort_mount, fuse_mount_id
ft_need_root
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
ft_init

src=$(ft_tmpdir); mnt=$(ft_tmpdir)
echo data > "$src/f"
ft_mount "$src" "$mnt" --threads=2
id=$(fuse_mount_id "$mnt")
idx=$(ft__index "$mnt")
dpid=${FT_PIDS[idx]}
/usr/bin/python3 "$here/../ktrace/lease.py" "$src/f" "$FT_ROOT/leased" &
lease=$!
ft_track_pid "$lease"
for _ in $(seq 100); do [ -e "$FT_ROOT/leased" ] && break; sleep 0.1; done
[ -e "$FT_ROOT/leased" ] || ft_fail "no lease on the source file"
# an open for writing through the mount: the daemon's open() waits for the lease
timeout -s KILL 60 sh -c "echo more >> '$mnt/f'" 2>/dev/null &
ft_track_pid $!
for _ in $(seq 100); do
	grep -qs "__break_lease\|break_lease" /proc/"$dpid"/task/*/stack && break
	sleep 0.1
done
grep -qs "break_lease" /proc/"$dpid"/task/*/stack || ft_fail "no daemon thread waits in open() for the lease"
abort_mount "$mnt" "$id" || ft_fail "nothing to abort"
sleep 0.5
kill "$lease"; wait "$lease" 2>/dev/null
ft__reap "$dpid" 300 || ft_fail "the daemon did not end within 30 s of the abort"
rc=$FT_STATUS
log=$(ft_daemon_log "$mnt")
ft_forget_daemon "$mnt"
umount -l "$mnt" 2>/dev/null
[ "$rc" = 3 ] || ft_fail "the daemon ended with status $rc, expected 3; its log: $log"
echo "$log" | grep -q "aborted the connection" || ft_fail "the daemon did not name the abort: $log"
echo "abort_open: PASS"
