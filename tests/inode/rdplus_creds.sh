#!/bin/bash
# rdplus_creds.sh — READDIRPLUS looks entries up as the caller, as LOOKUP
# does, on an allow_other mount.
#
# Without default_permissions the kernel checks no search permission on a
# path walk (fuse_permission leaves MAY_EXEC on a directory to the
# server), so a lookup the daemon made as itself hands the caller a
# dentry it could never have got: a user who may list a directory but not
# search it (mode 0744, not its owner) gets "Permission denied" for
# `stat d/child` natively, and must through the mount even right after
# `ls d` (whose READDIRPLUS sees child).  With default_permissions the
# kernel refuses the walk itself; checked too.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root "setpriv to another uid, allow_other"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v setpriv >/dev/null || ft_skip "setpriv missing"

# walk DIR: as uid 1002, list DIR/d, then stat DIR/d/child at once (within
# the entry timeout of what the listing brought)
walk() {
	setpriv --reuid=1002 --regid=1002 --clear-groups sh -c \
		'ls "$1/d" >/dev/null 2>&1; stat -c "size %s" "$1/d/child" 2>&1 | sed "s/.*: //"' x "$1"
}
mkfix() { mkdir -m 0744 "$1/d"; echo data > "$1/d/child"; }

nat=$(ft_tmpdir); mkfix "$nat"
want=$(walk "$nat")
expect "natively: stat of a child of a listable, unsearchable dir" "$want" "Permission denied"
for opts in --no-default-permissions ""; do
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); mkfix "$src"
	# shellcheck disable=SC2086
	ft_mount "$src" "$mnt" -o allow_other $opts
	got=$(walk "$mnt")
	ls "$mnt/d" >/dev/null || ft_fail "[${opts:-default_permissions}] root cannot list d"
	ft_umount "$mnt" || ft_fail "[${opts:-default_permissions}] unmount"
	expect "[${opts:-default_permissions}] through the mount, after a listing" "$got" "$want"
done
echo "rdplus_creds: PASS"
