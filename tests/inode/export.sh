#!/bin/bash
# export.sh — the kernel's file handles for files on the mount
# (name_to_handle_at / open_by_handle_at) decode as natively, also after
# the kernel forgot the inodes (drop_caches), differentially against a
# native directory.
#
# For a file, a hard link of it (the same handle), a directory and a
# directory below it (decoding reconnects it to the tree with LOOKUPs of
# ".."), and a file deleted in between (ESTALE): take the handles, make the
# kernel forget everything (drop_caches until the daemon's fd count is back
# to hold no fd below the source), open them by handle, and compare with
# the same steps on a native
# directory.  Then: a handle taken again after a forget is the same handle
# (the file got its nodeid back), and uid 1000 may take handles but not
# open them (EPERM), as natively (the mount is allow_other).  The recording must show the decode path:
# each forgotten nodeid FREEd, then REVIVEd by a LOOKUP of "." (cause
# LOOKUP_DOT), LOOKUPs of "..", the deleted file's STALE.
# With --handles=never the kernel is not offered export support: an
# evicted inode's handle gives ESTALE (checked, as the documented limit).
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
[ "$(id -u)" = 0 ] || ft_skip "needs root (open_by_handle_at, drop_caches)"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
H=$(in_helper handles)
[ -x "$H" ] || ft_fail "no handles helper"
OBJS="f sub/h dir dir/inner gone"

populate() {
	mkdir "$1/sub" "$1/dir" "$1/dir/inner"
	echo file-content > "$1/f"
	ln "$1/f" "$1/sub/h"
	echo a > "$1/dir/a"
	echo b > "$1/dir/inner/b"
	echo gone > "$1/gone"
	chmod 755 "$1"
}

# steps ROOT OUT FORGET: the handle steps on ROOT (native dir or mount);
# FORGET is a command that makes the kernel forget ROOT's inodes.
steps() {
	local root=$1 out=$2 forget=$3 p k
	for p in $OBJS; do
		k=${p//\//_}
		echo "save $p: $("$H" save "$root/$p" "$out.$k")"
	done
	echo "hard link shares the handle: $("$H" same "$out.f" "$out.sub_h")"
	echo "uid 1000 takes a handle: $(setpriv --reuid 1000 --regid 1000 --clear-groups "$H" save "$root/f" "$USERDIR/$(basename "$out").user")"
	rm "$root/gone"
	eval "$forget"
	for p in $OBJS; do
		echo "open $p: $("$H" open "$root" "$out.${p//\//_}")"
	done
	echo "uid 1000 opens by handle: $(setpriv --reuid 1000 --regid 1000 --clear-groups "$H" open "$root" "$out.f")"
	eval "$forget"
	"$H" save "$root/f" "$out.again" >/dev/null
	echo "handle of f after a forget: same as before: $("$H" same "$out.f" "$out.again")"
	eval "$forget"
	echo "open dir/inner again: $("$H" open "$root" "$out.dir_inner")"
}

USERDIR=$(ft_tmpdir 1777)   # where uid 1000 writes its handle
native=$(ft_tmpdir); populate "$native"
steps "$native" "$FT_ROOT/native" "sync; echo 3 > /proc/sys/vm/drop_caches" > "$FT_ROOT/native.out"

src=$(ft_tmpdir); mnt=$(ft_tmpdir); db=$FT_ROOT/export.db
populate "$src"
ft_mount "$src" "$mnt" -o allow_other --fd-cache=100000 --db "$db"
pid=$(in_pid)
# src_fds PID DIR: the daemon's fds on objects below DIR.  Every entry the
# kernel holds keeps one (cached with a large --fd-cache, pinned with
# --handles=never), so none are left exactly when the kernel forgot every
# inode but the root.  (Counting all fds would also count what LTTng-UST
# opens when some session daemon on the machine appears.)
src_fds() {
	local n=0 f
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in "$2"/*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}
forget_mount="in_drop_caches_until '[ \$(src_fds $pid $src) = 0 ]' 40 ||
	ft_fail 'the kernel did not forget the inodes (daemon fds on the source: \$(src_fds $pid $src))'"
steps "$mnt" "$FT_ROOT/mount" "$forget_mount" > "$FT_ROOT/mount.out"
ft_umount "$mnt" || ft_fail "unmount or daemon exit was not clean"

cat "$FT_ROOT/native.out"
[ "$(grep -c ': ' "$FT_ROOT/native.out")" -ge 14 ] || ft_fail "the native run produced too few results"
grep -q "open f: file size=13 nlink=2 content=file-content" "$FT_ROOT/native.out" ||
	ft_fail "the native run did not open f by handle: the comparison would be vacuous"
diff -u "$FT_ROOT/native.out" "$FT_ROOT/mount.out" >&2 || ft_fail "file handles through the mount differ from native (- native, + mount)"
echo "ok: every handle step as native"

# the decode path in the recording
in_require_db "$db" "export"
nid() { in_sql "$db" "SELECT nodeid FROM inode WHERE path = '$1'"; }
for p in /f /dir /dir/inner; do
	n=$(nid "$p")
	[ -n "$n" ] || ft_fail "no nodeid for $p in the recording"
	seq=$(in_sql "$db" "SELECT group_concat(k.name || ':' || c.name, ' ') FROM inode_event e
		JOIN inode_kind_name k ON k.kind = e.kind JOIN inode_cause_name c ON c.cause = e.cause
		WHERE e.nodeid = $n AND e.kind IN ($(in_kind NEW), $(in_kind FREE), $(in_kind REVIVE)) ORDER BY e.id")
	echo "$p (nodeid $n): $seq"
	case " $seq " in
	*" FREE:"*" REVIVE:LOOKUP_DOT "*) ;;
	*) ft_fail "$p: expected a FREE and then a REVIVE by LOOKUP_DOT, got: $seq" ;;
	esac
done
# the file got its nodeid back by name as well
n=$(nid /f)
byname=$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE nodeid = $n AND kind = $(in_kind REVIVE) AND cause = $(in_cause LOOKUP)")
expect_ge "REVIVEs of /f by a lookup of its name" "$byname" 1
dotdot=$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE cause = $(in_cause LOOKUP_DOTDOT) AND kind IN ($(in_kind REF), $(in_kind NEW), $(in_kind REVIVE))")
expect_ge "entries taken by LOOKUPs of '..'" "$dotdot" 1
gone=$(nid /gone)
stale=$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE nodeid = $gone AND kind = $(in_kind STALE) AND cause = $(in_cause LOOKUP_DOT)")
expect_ge "STALE for the deleted file's handle" "$stale" 1
# a REVIVE only ever follows a FREE of the same nodeid, and a nodeid is NEW once
bad=$(in_sql "$db" "SELECT count(*) FROM inode_event r WHERE r.kind = $(in_kind REVIVE) AND
	(SELECT kind FROM inode_event p WHERE p.nodeid = r.nodeid AND p.id < r.id AND p.kind IN ($(in_kind NEW), $(in_kind FREE), $(in_kind REVIVE)) ORDER BY p.id DESC LIMIT 1) IS NOT $(in_kind FREE)")
expect "REVIVEs not preceded by a FREE" "$bad" 0
dup=$(in_sql "$db" "SELECT count(*) FROM (SELECT nodeid FROM inode_event WHERE kind = $(in_kind NEW) GROUP BY nodeid HAVING count(*) > 1)")
expect "nodeids NEW more than once" "$dup" 0

# --handles=never: no export support; a forgotten inode's handle is stale
src2=$(ft_tmpdir); mnt2=$(ft_tmpdir)
populate "$src2"
ft_mount "$src2" "$mnt2" --handles=never
pid=$(in_pid)
"$H" save "$mnt2/f" "$FT_ROOT/never.f" >/dev/null
live=$("$H" open "$mnt2" "$FT_ROOT/never.f")
in_drop_caches_until "[ \$(src_fds $pid $src2) = 0 ]" 40 || ft_fail "[never] the kernel did not forget f"
evicted=$("$H" open "$mnt2" "$FT_ROOT/never.f")
ft_umount "$mnt2" || ft_fail "[never] unmount"
expect "[never] open by handle while cached" "$live" "file size=13 nlink=2 content=file-content"
expect "[never] open by handle after the kernel forgot" "$evicted" "open=ESTALE"
echo "export: all ok"
