#!/bin/bash
# refusals.sh — mountpoints the daemon itself needs while it serves are
# refused: `record /proc -- true`, `mount / X`, `mount X /sys` must each
# exit 2 at once with a one-line reason, and mount nothing.
#
# Each command runs in a private mount namespace of its own: should the
# refusal be missing, the mount covers /proc or /sys only there, not for the
# rest of the machine; and it runs bounded (lib.sh), so a daemon that hangs
# on the /proc it covered is aborted through fusectl.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
FT_NAME=gauntlet-refusals
gauntlet_requirements
command -v unshare >/dev/null || ft_fail "unshare (util-linux) missing"
gauntlet_init
limit=$((10 * ${GAUNTLET_TIMEOUT_SCALE:-1}))
out=$(ft_tmpdir) x=$(ft_tmpdir)

# refused MNT PATH_NAMED CMD...: CMD (whose mountpoint is MNT) is refused
refused() {
	local mnt=$1 named=$2; shift 2
	local label="fusetrace ${*:2}"
	bounded "$label" "$limit" "$mnt" "$out/stdout" "$out/stderr" \
		unshare --mount --propagation private "$@"
	local status=$BOUNDED_STATUS lines
	lines=$(grep -c . "$out/stderr")
	if [ -n "$BOUNDED_HUNG" ]; then
		failed "$label: not refused: it mounted, and hung or kept serving ($BOUNDED_HUNG)"
	elif [ "$status" != 2 ]; then
		failed "$label: exit status $status, expected 2"
	fi
	[ -n "$BOUNDED_CONN" ] && failed "$label: mounted a FUSE filesystem on $mnt before giving up"
	[ "$lines" = 1 ] || failed "$label: expected a one-line reason on stderr, got $lines lines"
	if [ -n "$named" ] && ! grep -qF -- "$named" "$out/stderr"; then
		failed "$label: the reason does not name $named"
	fi
	sed 's/^/    stderr: /' "$out/stderr" | head -5
	fuse_mounted_at "$mnt" && failed "$label: $mnt is mounted (outside the private namespace)"
	echo "checked: $label"
}

refused /proc /proc "$FUSETRACE" record --db "$out/r.db" /proc -- true
refused "$x" "" "$FUSETRACE" mount / "$x"
refused /sys /sys "$FUSETRACE" mount "$x" /sys
finish
echo "refusals: ok"
