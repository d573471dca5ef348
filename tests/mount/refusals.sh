#!/bin/bash
# refusals.sh — a mountpoint that would cover something the daemon needs
# while it serves is refused before anything is mounted: exit 2, one line
# on stderr naming what it would cover, nothing mounted, no output file
# created.  Each command runs bounded, in a private mount namespace of its
# own, so that a missing refusal could not cover /proc or /sys for the rest
# of the machine.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
ft_need_root
command -v unshare >/dev/null || ft_fail "unshare (util-linux) missing"
ft_init
src=$(ft_tmpdir); x=$(ft_tmpdir); out=$(ft_tmpdir)
mkdir "$x/sub"

# refused LABEL NAMED CMD...: CMD (a fusetrace command line) is refused
# with exit 2 and one line on stderr that names NAMED
refused() {
	local label=$1 named=$2; shift 2
	# the namespace lets go of other suites' FUSE mounts first (detach_fuse.sh)
	(cd "$out" && timeout -s KILL 20 unshare --mount --propagation private \
		sh -c '"$0" && exec "$@"' "$here/../lib/detach_fuse.sh" "$FUSETRACE" "$@") \
		</dev/null >"$FT_ROOT/r.out" 2>"$FT_ROOT/r.err"
	local rc=$? lines
	lines=$(grep -c . "$FT_ROOT/r.err")
	[ "$rc" = 2 ] || { cat "$FT_ROOT/r.err"; ft_fail "$label: exit $rc, expected 2"; }
	[ "$lines" = 1 ] || { cat "$FT_ROOT/r.err"; ft_fail "$label: $lines lines on stderr, expected one"; }
	grep -q "refusing to mount on" "$FT_ROOT/r.err" || ft_fail "$label: no refusal: $(cat "$FT_ROOT/r.err")"
	grep -qF -- "$named" "$FT_ROOT/r.err" || ft_fail "$label: the reason does not name $named: $(cat "$FT_ROOT/r.err")"
	[ -z "$(ls -A "$out")" ] || ft_fail "$label: created $(ls -A "$out")"
	grep -q " fuse.fusetrace " /proc/self/mountinfo && grep " fuse.fusetrace " /proc/self/mountinfo | grep -qF "$x" &&
		ft_fail "$label: mounted"
	echo "ok: $label -> $(cat "$FT_ROOT/r.err")"
}

refused "record /proc -- true" /proc record /proc -- true
refused "mount / X" "inside the source /" mount / "$x"
refused "mount X /sys" /sys mount "$src" /sys
refused "mount X /dev" /dev mount "$src" /dev
refused "mount X /etc" /etc/mtab mount "$src" /etc
refused "mount X /" /proc mount "$src" /
refused "mount X /run (LTTng's sockets)" /run/lttng mount "$src" /run
HOME=$x refused "mount X over \$HOME (LTTng's per-user sockets)" .lttng mount "$src" "$x"
refused "mountpoint inside the source" "inside the source" mount "$src/.." "$src"
refused "record --db MNT/x.db MNT" "database would be under the mountpoint" record --db "$x/x.db" "$x" -- true
refused "record --db MNT/sub/x.db MNT" "database would be under the mountpoint" record --db "$x/sub/x.db" "$x" -- true
refused "mount --db MNT/x.db SRC MNT" "database would be under the mountpoint" mount --db "$x/x.db" "$src" "$x"
refused "record, default database in cwd = MNT" "database would be under the mountpoint" record "$out" -- true
refused "record --lttng-output under MNT" "LTTng trace would be under the mountpoint" \
	record --no-db --lttng --lttng-output="$x/t" "$x" -- true
[ -z "$(ls -A "$x/sub")" ] && [ ! -e "$x/x.db" ] && [ ! -e "$x/t" ] || ft_fail "an output was created under the mountpoint"
echo "refusals: PASS"
