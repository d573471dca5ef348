# mounts.sh — "is something mounted here" and "unmount it", one way for
# the scenario runner (scenarios/run), the benchmark (scenarios/bench/run)
# and the tests (tests/lib/common.sh).  Sourced, not run.

# mount_is_at PATH [TYPE]: is PATH (made canonical) a mountpoint, of TYPE
# (e.g. fuse.fusetrace) or of any type when TYPE is empty?
mount_is_at() {
	local mnt
	mnt=$(realpath -m "$1")
	# field 5 = mount point (octal-escaped), the field after " - " = type
	awk -v m="$mnt" -v t="${2:-}" '
		{ mp = $5; gsub(/\\040/, " ", mp); gsub(/\\011/, "\t", mp); gsub(/\\012/, "\n", mp); gsub(/\\134/, "\\", mp)
		  for (i = 6; i <= NF; i++) if ($i == "-") { ty = $(i + 1); break }
		  if (mp == m && (t == "" || ty == t)) found = 1 }
		END { exit !found }' /proc/self/mountinfo
}

# unmount_at PATH: unmount what is mounted at PATH (fusermount3 -u, which
# also serves a user's own FUSE mount, else umount); if that fails (busy),
# detach it lazily and say so on stderr.  Returns 0 after a clean unmount
# or when nothing was mounted there, 1 when it had to detach lazily.
unmount_at() {
	local m=$1
	mount_is_at "$m" || return 0
	{ fusermount3 -u "$m" || umount "$m"; } 2>/dev/null && return 0
	echo "unmount: $m is busy; detaching it lazily" >&2
	umount -l "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null
	return 1
}
