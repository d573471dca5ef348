#!/bin/bash
# creds.sh — on an allow_other mount every operation runs with the caller's
# credentials, so ownership and permission results match a direct run.
#
#  1. uid 1000 creates a file, dir, symlink, fifo through the mount: owned
#     1000:1000 in the source (lstat for the symlink), as natively.
#  2. In a setgid dir of group 2000: new files and dirs get gid 2000, new
#     dirs inherit the setgid bit.
#  3. Device nodes: uid 1000 without CAP_MKNOD gets EPERM (as natively);
#     root's device is owned by root; uid 1000 *with* CAP_MKNOD (ambient)
#     gets a device owned 1000:1000 natively, so it must through the mount.
#  4. A permission matrix — objects owned 1000:3000 in 22 modes, subjects
#     owner (1000, in group 3000), group member (1001, supplementary 3000),
#     primary-group member (1003, gid 3000) and other (1002) — over
#     open-read, open-write, access(r/w/x), exec, search, list, create-in,
#     mkdir-in, unlink-in, rename-in: the same results through the mount as
#     on a native directory (run both ways and diffed), both with the default
#     default_permissions and with --no-default-permissions.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root "setpriv to other uids, allow_other"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v setpriv >/dev/null || ft_skip "setpriv missing"

FAILS=()
note_fail() { ft_log "FAIL (continuing): $*"; FAILS+=("$*"); }

as() {   # as UID GID GROUPS|- CMD...
	local u=$1 g=$2 gr=$3; shift 3
	if [ "$gr" = - ]; then setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
	else setpriv --reuid="$u" --regid="$g" --groups="$gr" "$@"; fi
}

# ---- 1-3: ownership ------------------------------------------------------
# mkown DIR: make DIR/pub (0777) and DIR/sg (root:2000, 2777)
mkown() {
	mkdir -m 777 "$1/pub"; mkdir "$1/sg"; chgrp 2000 "$1/sg"; chmod 2777 "$1/sg"
}
# create WHERE (as uid 1000): file, dir, symlink, fifo in pub and sg
OWNSCRIPT='cd "$1" && for d in pub sg; do
	: >"$d/file" && mkdir "$d/dir" && ln -s file "$d/link" && mkfifo "$d/fifo" || exit 1
done'
# report DIR: name uid:gid mode of everything made (lstat)
report() { (cd "$1" && find pub sg -mindepth 1 | sort | while read -r p; do echo "$p $(stat -c '%u:%g %A' "$p")"; done); }

nat=$(ft_tmpdir); src=$(ft_tmpdir); mnt=$(ft_tmpdir)
mkown "$nat"; mkown "$src"
ft_mount "$src" "$mnt" -o allow_other
as 1000 1000 - bash -c "$OWNSCRIPT" x "$nat" || ft_fail "uid 1000 could not create natively"
as 1000 1000 - bash -c "$OWNSCRIPT" x "$mnt" || ft_fail "uid 1000 could not create file/dir/symlink/fifo through the mount"
report "$nat" >"$FT_ROOT/own.native"; report "$src" >"$FT_ROOT/own.mount"
if ! diff -u "$FT_ROOT/own.native" "$FT_ROOT/own.mount" >"$FT_ROOT/own.diff"; then
	sed 's/^/    | /' "$FT_ROOT/own.diff" >&2
	ft_fail "ownership/modes of objects uid 1000 made through the mount differ from a native run (native -, mount +)"
fi
for o in file dir link fifo; do
	got=$(stat -c %u:%g "$src/pub/$o"); [ "$got" = 1000:1000 ] || ft_fail "pub/$o made by uid 1000: expected owner 1000:1000 in the source, got $got"
	got=$(stat -c %u:%g "$src/sg/$o"); [ "$got" = 1000:2000 ] || ft_fail "sg/$o made by uid 1000 in a setgid dir of group 2000: expected 1000:2000, got $got"
done
[ -g "$src/sg/dir" ] || ft_fail "sg/dir: expected the setgid bit inherited from its parent, mode is $(stat -c %A "$src/sg/dir")"
ft_log "ownership: file/dir/symlink/fifo by uid 1000 -> 1000:1000; in setgid dir -> gid 2000, dir inherits setgid ($(stat -c %A "$src/sg/dir")); same as native"

# device nodes
out_n=$(as 1000 1000 - mknod "$nat/pub/cdev" c 1 3 2>&1); rc_n=$?
out_m=$(as 1000 1000 - mknod "$mnt/pub/cdev" c 1 3 2>&1); rc_m=$?
case "$rc_n:$out_n" in 1:*"Operation not permitted"*) ;; *) ft_fail "native mknod by uid 1000 without CAP_MKNOD: expected EPERM, got $rc_n '$out_n'";; esac
case "$rc_m:$out_m" in 1:*"Operation not permitted"*) ;; *) ft_fail "mknod by uid 1000 through the mount: expected EPERM (as natively), got status $rc_m '$out_m'";; esac
mknod "$mnt/pub/rootdev" c 1 3 || ft_fail "root mknod through the mount failed"
got=$(stat -c '%u:%g %F %t,%T' "$src/pub/rootdev")
[ "$got" = "0:0 character special file 1,3" ] || ft_fail "root's device: expected '0:0 character special file 1,3', got '$got'"
CAPMK=(--inh-caps=+mknod --ambient-caps=+mknod)
as 1000 1000 - "${CAPMK[@]}" mknod "$nat/pub/capdev" c 1 3 || ft_fail "native mknod by uid 1000 with CAP_MKNOD failed"
out_m=$(as 1000 1000 - "${CAPMK[@]}" mknod "$mnt/pub/capdev" c 1 3 2>&1); rc_m=$?
want=$(stat -c '%u:%g %F' "$nat/pub/capdev")
got=$(stat -c '%u:%g %F' "$src/pub/capdev" 2>&1)
ft_log "devices: uid 1000 w/o CAP_MKNOD: EPERM both ways; root: 0:0; uid 1000 with CAP_MKNOD: native '$want', mount: status $rc_m '$out_m' -> '$got'"
[ $rc_m = 0 ] && [ "$got" = "$want" ] || note_fail "mknod by uid 1000 holding CAP_MKNOD: natively '$want', through the mount status $rc_m ($out_m), source shows '$got'"
ft_umount "$mnt" || ft_fail "unmount failed"

# ---- 4: permission matrix ---------------------------------------------------
MODES="000 100 200 400 010 020 040 001 002 004 700 070 007 755 750 705 077 770 777 555 666 333"
mkfix() {   # mkfix DIR: fixture owned 1000:3000 (built as root in the source/native dir)
	local d=$1 m u
	mkdir -p "$d"; chmod 755 "$d"
	for m in $MODES; do
		printf '#!/bin/true\n' >"$d/f$m"; chown 1000:3000 "$d/f$m"; chmod "$m" "$d/f$m"
		mkdir "$d/d$m"; : >"$d/d$m/child"
		for u in 1000 1001 1002 1003; do : >"$d/d$m/v$u"; : >"$d/d$m/r$u"; done
		chown 1000:3000 "$d/d$m"; chmod "$m" "$d/d$m"
	done
}
cat >"$FT_ROOT/matrix.sh" <<'M'
# matrix.sh DIR UID: run every op on the fixture in DIR, one line per op
cd "$1" || exit 1
u=$2
res() { # res LABEL CMD...: ok, or the error text after the last ': '
	local e
	if e=$("$@" 2>&1 >/dev/null); then echo "$LABEL ok"; else e=${e##*: }; echo "$LABEL ${e:-fail}"; fi
}
for m in $MODES; do
	f=f$m d=d$m
	LABEL="$f read";     res cat "$f"
	LABEL="$f write";    res sh -c ": >>\"\$1\"" x "$f"
	LABEL="$f access-r"; res test -r "$f"
	LABEL="$f access-w"; res test -w "$f"
	LABEL="$f access-x"; res test -x "$f"
	LABEL="$f exec";     res "./$f"
	LABEL="$d search";   res stat "$d/child"
	LABEL="$d list";     res ls "$d"
	LABEL="$d access-x"; res test -x "$d"
	LABEL="$d create";   res touch "$d/new$u"
	LABEL="$d mkdir";    res mkdir "$d/m$u"
	LABEL="$d unlink";   res rm -f "$d/v$u"
	LABEL="$d rename";   res mv "$d/r$u" "$d/r$u.moved"
	LABEL="$d cd";       res sh -c 'cd "$1"' x "$d"
done
M

SUBJECTS="1000:1000:3000 1001:1001:3000 1003:3000:- 1002:1002:-"
matrix() {   # matrix LABEL MOUNTOPTS...
	local label=$1; shift
	local mnt src nat s u g gr diffs=0
	src=$(ft_tmpdir); nat=$(ft_tmpdir); mnt=$(ft_tmpdir)
	ft_mount "$src" "$mnt" -o allow_other "$@"
	for s in $SUBJECTS; do
		IFS=: read -r u g gr <<<"$s"
		mkfix "$nat/u$u"; mkfix "$src/u$u"
		as "$u" "$g" "$gr" env MODES="$MODES" bash "$FT_ROOT/matrix.sh" "$nat/u$u" "$u" >"$FT_ROOT/m.$label.$u.native" 2>&1
		as "$u" "$g" "$gr" env MODES="$MODES" bash "$FT_ROOT/matrix.sh" "$mnt/u$u" "$u" >"$FT_ROOT/m.$label.$u.mount" 2>&1
		# the results must also have left the same state behind
		(cd "$nat/u$u" && find . | sort) >"$FT_ROOT/m.$label.$u.tree.native"
		(cd "$src/u$u" && find . | sort) >"$FT_ROOT/m.$label.$u.tree.mount"
		if ! diff "$FT_ROOT/m.$label.$u.native" "$FT_ROOT/m.$label.$u.mount" >"$FT_ROOT/m.diff"; then
			ft_log "[$label] uid $u gid $g groups $gr: results differ (native <, mount >):"
			sed -n '1,60s/^/    | /p' "$FT_ROOT/m.diff" >&2
			diffs=$((diffs + $(grep -c '^<' "$FT_ROOT/m.diff")))
		fi
		diff -q "$FT_ROOT/m.$label.$u.tree.native" "$FT_ROOT/m.$label.$u.tree.mount" >/dev/null ||
			{ ft_log "[$label] uid $u: trees left behind differ"; diffs=$((diffs + 1)); }
		local n ok
		n=$(wc -l <"$FT_ROOT/m.$label.$u.native"); ok=$(grep -c ' ok$' "$FT_ROOT/m.$label.$u.native")
		ft_log "[$label] uid $u: $n checks ($ok allowed, $((n - ok)) denied natively)"
	done
	MATRIX_DIFFS[$label]=$diffs
	# a matrix where everything is allowed or everything denied checks nothing
	cat "$FT_ROOT"/m."$label".*.native | grep -q 'Permission denied' || ft_fail "[$label] the native matrix denied nothing: broken fixture"
	ft_umount "$mnt" || ft_fail "[$label] unmount failed"
}
declare -A MATRIX_DIFFS
matrix default_permissions
matrix no-default-permissions --no-default-permissions
total=$(cat "$FT_ROOT"/m.default_permissions.*.native | wc -l)
echo "creds: permission matrix $total checks x 2 mount modes: differences default_permissions=${MATRIX_DIFFS[default_permissions]}, no-default-permissions=${MATRIX_DIFFS[no-default-permissions]}"
[ "${MATRIX_DIFFS[default_permissions]}" = 0 ] || note_fail "permission matrix with default_permissions: expected no difference from native, got ${MATRIX_DIFFS[default_permissions]}"
[ "${MATRIX_DIFFS[no-default-permissions]}" = 0 ] || note_fail "permission matrix with --no-default-permissions: expected no difference from native, got ${MATRIX_DIFFS[no-default-permissions]}"
[ ${#FAILS[@]} = 0 ] || ft_fail "${#FAILS[@]} check(s) failed: $(printf '%s; ' "${FAILS[@]}")"
echo "creds: PASS"
