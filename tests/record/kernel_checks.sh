#!/bin/bash
# kernel_checks.sh — the kernel checks permissions only where the mount asks
# for it, and a mount that leaves them to the source pays no request for
# them.  With -o default_permissions (the default with allow_other) the
# daemon negotiates FUSE_POSIX_ACL, so that the kernel's checks honour ACLs;
# the kernel then asks for a directory's attributes again (GETATTR) before
# each check that follows a create in it.  A single-user mount without
# default_permissions leaves every check to the source, as passthrough_ll
# does: the same twenty creates must send no GETATTR of their directory.
# (That POSIX ACLs and modes still behave as natively on such a mount is
# tests/conformance/acl.sh.)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init
out=$(ft_tmpdir)
creates='mkdir d && for i in $(seq 20); do : > d/f$i; done'

# getattrs_of_d DB: GETATTR requests for the directory /d
getattrs_of_d() {
	"$FUSETRACE" sql --csv "$1" "SELECT count(*) AS n FROM op WHERE op = 'GETATTR' AND path = '/d'" |
		tr -d '\r' | tail -1
}

src=$(ft_tmpdir)
ft_run timeout 60 "$FUSETRACE" record --db "$out/plain.db" "$src" -- sh -c "$creates" >/dev/null ||
	ft_fail "the recorded creates failed"
expect "files created (single-user mount)" "$(ls "$src/d" | wc -l)" 20
expect "GETATTRs of the directory (single-user mount)" "$(getattrs_of_d "$out/plain.db")" 0

src=$(ft_tmpdir)
ft_run timeout 60 "$FUSETRACE" record --db "$out/dp.db" -o default_permissions "$src" -- sh -c "$creates" >/dev/null ||
	ft_fail "the recorded creates failed with default_permissions"
expect "files created (default_permissions)" "$(ls "$src/d" | wc -l)" 20
n=$(getattrs_of_d "$out/dp.db")
[ "$n" -ge 19 ] || ft_fail "default_permissions: $n GETATTRs of the directory, expected one per create after the first (the kernel checks, with ACLs)"
echo "kernel_checks: PASS (single-user 0, default_permissions $n GETATTRs of the directory)"
