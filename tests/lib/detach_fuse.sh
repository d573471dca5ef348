#!/bin/sh
# detach_fuse.sh [KEEP...] — in a private mount namespace (unshare -m), let
# go of every FUSE mount except the KEEP paths.  The new namespace holds a
# copy of every mount there was, other suites' FUSE mounts included: a copy
# keeps that superblock, and so its FUSE connection, alive after its owner
# unmounts it, and that daemon would not end while the namespace lives.
# Lazy: nothing here waits for a daemon, and nothing is sent to one.
awk '{ for (i = 6; i <= NF; i++) if ($i == "-") { if ($(i + 1) ~ /^fuse(\.|blk$|$)/) { m = $5
	gsub(/\\040/, " ", m); gsub(/\\011/, "\t", m); gsub(/\\012/, "\n", m); gsub(/\\134/, "\\", m); print m }; break } }' /proc/self/mountinfo |
while IFS= read -r m; do
	keep=0
	for k in "$@"; do [ "$m" = "$k" ] && keep=1; done
	[ "$keep" = 1 ] || umount -l "$m" 2>/dev/null
done
exit 0
