#!/bin/bash
# acl.sh — POSIX ACLs through the mount, differentially against a native
# directory: acl_cases.sh (default ACL inheritance with the umask, setgid
# directories with ACLs, the mode right after setfacl, errors, enforcement)
# runs natively and through fusetrace, as root and as uid 1000 on an
# allow_other mount, and with --cache=always (a day of attribute caching:
# a mode left stale after setfacl would show).  Every line must match.
#
# usage: acl.sh     (FUSETRACE = the fusetrace binary)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root (uid 1000 runs, chown)"
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
command -v setfacl >/dev/null && command -v getfacl >/dev/null ||
	ft_fail "setfacl/getfacl missing (Debian package acl; tools/install-deps.sh installs it)"
ft_init
cases=$here/acl_cases.sh

# run_cases DIR AS: acl_cases.sh in DIR as uid AS; its output on stdout
# (ACL_OTHER_USERS=0 in the environment for a mount without allow_other)
run_cases() {
	if [ "$2" = 0 ]; then
		(cd "$1" && ft_run timeout 120 bash "$cases")
	else
		(cd "$1" && ft_run timeout 120 setpriv --reuid "$2" --regid "$2" --clear-groups bash "$cases")
	fi
}

# work DIR AS: the directory the cases run in (the user's own for uid 1000)
work() {
	mkdir "$1/w" && chown "$2:$2" "$1/w" && echo "$1/w"
}

fails=0 total=0
# mode LABEL AS [mount options...]
mode() {
	local label=$1 as=$2; shift 2
	local native src mnt out=$FT_ROOT/$label
	native=$(ft_tmpdir); src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	run_cases "$(work "$native" "$as")" "$as" > "$out.native" 2>&1
	ft_mount "$src" "$mnt" "$@"
	run_cases "$(work "$mnt" "$as")" "$as" > "$out.mount" 2>&1
	ft_umount "$mnt" || ft_fail "[$label] unmount or daemon exit was not clean"
	local n
	n=$(grep -c ': ' "$out.native")
	[ "$n" -ge 25 ] || { cat "$out.native" >&2; ft_fail "[$label] only $n results natively"; }
	total=$((total + n))
	if diff -u "$out.native" "$out.mount" > "$out.diff"; then
		echo "[$label] $n results, all as native"
	else
		echo "[$label] differs from native:"; sed 's/^/    /' "$out.diff"
		fails=$((fails + 1))
	fi
}

mode root 0 -o allow_other
mode user1000 1000 -o allow_other
ACL_OTHER_USERS=0 mode root-noallow 0
ACL_OTHER_USERS=0 mode root-noallow-always 0 --cache=always
mode user1000-nodp 1000 -o allow_other --no-default-permissions
mode root-always 0 -o allow_other --cache=always
mode user1000-always 1000 -o allow_other --cache=always
mode user1000-writeback 1000 -o allow_other --writeback
echo "acl: $total results compared"
[ "$fails" = 0 ] || ft_fail "$fails mode(s) differ from native"
echo "acl: all as native"
