#!/bin/bash
# create_special.sh — FUSE_CREATE racing an outside process that puts a
# FIFO under the name (create_special.py) for a few seconds, per access mode:
#   rdwr    O_CREAT|O_RDWR: no EIO reaches the caller (a CREATE reply that
#           is not a regular file makes the kernel answer EIO and drop the
#           fh and the lookup without telling the daemon: leaked), and after
#           the race and drop_caches the daemon's fd count is back to what
#           it was before (no leaked fh, no leaked lookup);
#   wronly  O_CREAT|O_WRONLY: no open hangs (a daemon worker that opens the
#           FIFO for writing waits for a reader forever and the caller can
#           only be killed); same fd check.
# Outcomes accepted: success; EINTR (the FIFO opened natively by the kernel
# blocks O_WRONLY until a reader; the test's alarm interrupts it); and, in
# at most a quarter of the opens (in_race_outcomes, tests/inode/lib.sh),
# ESTALE: the daemon answers a CREATE that finds a FIFO with ESTALE so that
# the kernel redoes the open itself, once; under
# this churn the FIFO can be gone at the kernel's second lookup and back at
# its second CREATE, and the second ESTALE reaches the caller (natively the
# directory lock makes the open atomic; no FUSE server can offer that).
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v python3 >/dev/null || ft_skip "no python3"

SECS=${CREATE_SPECIAL_SECONDS:-3}
# a daemon with a worker stuck in a FIFO open never exits by itself
export FT_UMOUNT_WAIT=${FT_UMOUNT_WAIT:-5}
src=$(ft_tmpdir); mnt=$(ft_tmpdir)
ft_mount "$src" "$mnt"
pid=$(in_pid)
stat "$mnt" >/dev/null
in_drop_caches_until "true" 1
# fds other than libfuse's per-worker splice pipes (more workers, more pipes)
files() { find "/proc/$pid/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -vc '^pipe:'; }
base=$(files)

for access in ${CREATE_SPECIAL_MODES:-rdwr wronly}; do
	out="$FT_ROOT/$access.out"
	# watchdog: an open stuck in an unanswered FUSE request only dies by SIGKILL
	timeout -s KILL $((SECS + 10)) python3 "$IN_DIR/create_special.py" "$src" "$mnt" "$SECS" "$access" >"$out" 2>&1
	rc=$?
	[ $rc = 137 ] && ft_fail "[$access] the opener hung (killed after $((SECS + 10)) s): an open(O_CREAT) through the mount never returned; so far: $(tr '\n' ' ' <"$out")"
	[ $rc = 0 ] || ft_fail "[$access] create_special.py failed ($rc): $(cat "$out")"
	in_race_outcomes "$access" "$out" 'ok|EINTR|ESTALE' 'open(O_CREAT)'
	rm -f "$src/x"
	if ! in_drop_caches_until '[ "$(files)" -le "$base" ]' 20; then
		ft_fail "[$access] the daemon holds $(files) fds (pipes aside) after the race and drop_caches, $base before: leaked fhs or lookups"
	fi
done
ft_umount "$mnt" || ft_fail "unmount failed"
echo "create_special: PASS"
