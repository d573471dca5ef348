#!/bin/bash
# made_race.sh — mkdir and symlink through the mount racing an outside
# process that replaces the new name with a FIFO (made_race.py), a few
# seconds each, with --handles=never (every lookup the kernel holds pins an
# fd, so a leaked lookup is a leaked fd):
#   - no EIO and no ENOENT reach the caller: the daemon looks the name up
#     after making it; an entry of another type than requested makes the
#     kernel's create_new_entry answer EIO and never FORGET it, and a name
#     already removed again was answered ENOENT (natively the call
#     succeeded);
#   - after the race and drop_caches, the daemon's fds are back to the
#     baseline: no lookup reference leaked.
# Outcomes accepted: success and EEXIST (native), and ESTALE in at most 25%
# (the daemon's answer to a replaced name makes the kernel redo the call
# once; the name can be replaced again in that retry).
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v python3 >/dev/null || ft_skip "no python3"

SECS=${MADE_RACE_SECONDS:-3}
src=$(ft_tmpdir); mnt=$(ft_tmpdir)
ft_mount "$src" "$mnt" --handles=never
pid=$(in_pid)
stat "$mnt" >/dev/null
# fds other than libfuse's per-worker splice pipes (more workers, more pipes)
files() { find "/proc/$pid/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -vc '^pipe:'; }
in_drop_caches_until "true" 1
base=$(files)

for kind in mkdir symlink; do
	out="$FT_ROOT/$kind.out"
	timeout -s KILL $((SECS + 20)) python3 "$IN_DIR/made_race.py" "$src" "$mnt" "$SECS" "$kind" >"$out" 2>&1 ||
		ft_fail "[$kind] made_race.py failed: $(cat "$out")"
	in_race_outcomes "$kind" "$out" 'ok|EEXIST|ESTALE' "$kind"
	rm -rf "$src/n"
	if ! in_drop_caches_until '[ "$(files)" -le "$base" ]' 20; then
		ft_fail "[$kind] the daemon holds $(files) fds (pipes aside) after the race and drop_caches, $base before: leaked lookups"
	fi
done
ft_umount "$mnt" || ft_fail "unmount failed"
echo "made_race: PASS"
