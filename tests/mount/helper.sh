#!/bin/bash
# helper.sh — fusetrace as a mount(8) citizen, in a private mount namespace:
# `mount -t fuse.fusetrace SRC MNT -o OPTS` and an fstab line (mount -T)
# mount through /sbin/mount.fuse.fusetrace (the installed symlink), serve,
# and `umount` ends the daemon; -o source=; the VFS flags libfuse does not
# take (relatime, nodiratime, nosymfollow, lazytime...) applied; mount(8)'s
# own options ignored; -o remount,ro / rw; refused options and a bad source
# fail with a message and a non-zero status; the process title keeps its
# commas; meson install puts the helper symlink in place.
#
# The helper is made visible to mount(8) only inside the namespace: a
# read-only overlay of /usr/sbin (which /sbin points to) with the symlink.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root (mount namespaces, mount(8) of FUSE)"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
[ -n "${FUSETRACE:-}" ] && [ -x "$FUSETRACE" ] || ft_fail "FUSETRACE is not set to the fusetrace binary"
if [ -z "${FT_HELPER_NS:-}" ]; then
	command -v unshare >/dev/null || ft_fail "unshare (util-linux) missing"
	exec unshare -m --propagation private env FT_HELPER_NS=1 bash "$0" "$@"
fi
# other suites' FUSE mounts, copied into this namespace, must not outlive
# their owners' unmounts here
"$here/../lib/detach_fuse.sh"
ft_init
FUSETRACE=$(readlink -f "$FUSETRACE")

# --- meson install puts the helper where mount(8) looks -------------------
if [ -n "${MESON_BUILDDIR:-}" ]; then
	inst=$(ft_tmpdir)
	meson install -C "$MESON_BUILDDIR" --destdir "$inst" --no-rebuild --quiet >/dev/null 2>&1 ||
		ft_fail "meson install --destdir failed"
	link=$(find "$inst" -name mount.fuse.fusetrace)
	[ -L "$link" ] || ft_fail "meson install made no mount.fuse.fusetrace symlink"
	target=$(readlink "$link")
	[ -x "$inst$target" ] || ft_fail "the helper symlink points to $target, which was not installed"
	case $link in "$inst/sbin/"*) ;; *) ft_fail "the helper is installed as $link, not in /sbin" ;; esac
	echo "ok: meson install: ${link#"$inst"} -> $target"
fi

# --- the helper, visible to mount(8) in this namespace only --------------
extra=$(ft_tmpdir)
ln -s "$FUSETRACE" "$extra/mount.fuse.fusetrace"
mount -t overlay fusetrace-helper-test -o "lowerdir=$extra:/usr/sbin" /usr/sbin ||
	ft_fail "cannot overlay /usr/sbin in the private namespace"
# (gone with the namespace; nothing to undo)
[ -x /sbin/mount.fuse.fusetrace ] || ft_fail "/sbin/mount.fuse.fusetrace not visible"

mountinfo_of() {  # the mountinfo line of the mount at $1
	awk -v m="$1" '$5 == m { l = $0 } END { print l }' /proc/self/mountinfo
}
daemon_pid() {    # the pid the daemon wrote to its log $1
	sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$1" | tail -1
}
wait_gone() {     # wait_gone PID MNT WHAT: the daemon exits and the mount goes
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || ft_any_mount_at "$2" || return 0
		sleep 0.1
	done
	ft_fail "$3: daemon $1 or the mount at $2 still there 10 s after umount"
}
# serve MNT SRC WHAT: a write through the mount reaches the source, and back
serve() {
	echo "$3" > "$1/f-$3" || ft_fail "$3: cannot write through the mount"
	[ "$(cat "$2/f-$3")" = "$3" ] || ft_fail "$3: the write did not reach the source"
	[ "$(cat "$1/f-$3")" = "$3" ] || ft_fail "$3: cannot read it back"
}
# umount_daemon MNT PID WHAT: umount(8), then the daemon is gone
umount_daemon() {
	umount "$1" || ft_fail "$3: umount failed"
	wait_gone "$2" "$1" "$3"
}

# 1. mount -t fuse.fusetrace with VFS flags, mount(8)'s own options and
#    fusetrace's own (cache=, log=) in -o
src=$(ft_tmpdir); mnt=$(ft_tmpdir); log=$FT_ROOT/d1.log
out=$(mount -t fuse.fusetrace "$src" "$mnt" \
	-o "allow_other,relatime,nodiratime,nosymfollow,lazytime,nofail,_netdev,cache=always,log=$log" 2>&1) ||
	ft_fail "mount -t fuse.fusetrace failed: $out"
pid=$(daemon_pid "$log"); [ -n "$pid" ] || ft_fail "no daemon pid in $log: $(cat "$log")"
ft_track_pid "$pid"
line=$(mountinfo_of "$mnt")
echo "mounted: $line"
case $line in *" - fuse.fusetrace $src "*) ;; *) ft_fail "type or source (fsname) wrong: $line" ;; esac
for f in nodiratime relatime nosymfollow; do
	case " $(echo "$line" | awk '{print $6}' | tr , ' ') " in *" $f "*) ;; *) ft_fail "per-mount flag $f missing: $line" ;; esac
done
case $line in *" rw,lazytime,"*) ;; *) ft_fail "superblock flag lazytime missing: $line" ;; esac
serve "$mnt" "$src" helper
title=$(ft_cmdline "$pid")
case $title in *",nodiratime,nosymfollow,"*) echo "ok: process title: $title" ;;
	*) ft_fail "process title lost its commas: $title" ;; esac
# remount: read-only, then writable again, per-mount flags kept
mount -o remount,ro "$mnt" || ft_fail "mount -o remount,ro failed"
case $(mountinfo_of "$mnt") in *" - fuse.fusetrace $src ro,"*) ;; *) ft_fail "remount,ro: $(mountinfo_of "$mnt")" ;; esac
if (echo x > "$mnt/after-ro") 2>/dev/null; then ft_fail "write on a read-only remount succeeded"; fi
mount -o remount,rw "$mnt" || ft_fail "mount -o remount,rw failed"
case $(mountinfo_of "$mnt") in *nosymfollow*" - fuse.fusetrace $src rw,"*) ;; *) ft_fail "remount,rw: $(mountinfo_of "$mnt")" ;; esac
serve "$mnt" "$src" after-remount
echo "ok: remount ro and rw"
umount_daemon "$mnt" "$pid" "mount -t"
grep -q "unmounted; exiting with status 0" "$log" || ft_fail "the daemon's log has no clean exit: $(cat "$log")"
echo "ok: mount -t fuse.fusetrace: mounted with the flags, served, remounted, unmounted"

# 2. -o source= (mount's first argument a placeholder)
src=$(ft_tmpdir); mnt=$(ft_tmpdir); log=$FT_ROOT/d2.log
out=$(mount -t fuse.fusetrace none "$mnt" -o "source=$src,log=$log" 2>&1) || ft_fail "mount -o source= failed: $out"
pid=$(daemon_pid "$log"); ft_track_pid "$pid"
case $(mountinfo_of "$mnt") in *" - fuse.fusetrace $src "*) ;; *) ft_fail "-o source=: $(mountinfo_of "$mnt")" ;; esac
serve "$mnt" "$src" source-opt
umount_daemon "$mnt" "$pid" "-o source="
echo "ok: -o source="

# 3. an fstab line
src=$(ft_tmpdir); mnt=$(ft_tmpdir); log=$FT_ROOT/d3.log; fstab=$FT_ROOT/fstab
printf '# test fstab\n%s %s fuse.fusetrace noauto,nofail,_netdev,x-systemd.requires=x,comment=t,allow_other,noatime,log=%s 0 0\n' \
	"$src" "$mnt" "$log" > "$fstab"
out=$(mount -T "$fstab" "$mnt" 2>&1) || ft_fail "mount by the fstab line failed: $out"
pid=$(daemon_pid "$log"); ft_track_pid "$pid"
case $(mountinfo_of "$mnt") in *noatime*" - fuse.fusetrace $src "*) ;; *) ft_fail "fstab: $(mountinfo_of "$mnt")" ;; esac
serve "$mnt" "$src" fstab
umount_daemon "$mnt" "$pid" "fstab"
echo "ok: fstab line"

# 4. -o subtype=: the type follows, and the guard still finds the mount
src=$(ft_tmpdir); mnt=$(ft_tmpdir); log=$FT_ROOT/d4.log
mount -t fuse.fusetrace "$src" "$mnt" -o "subtype=mytrace,log=$log" || ft_fail "mount -o subtype= failed"
pid=$(daemon_pid "$log"); ft_track_pid "$pid"
case $(mountinfo_of "$mnt") in *" - fuse.mytrace "*) ;; *) ft_fail "subtype: $(mountinfo_of "$mnt")" ;; esac
serve "$mnt" "$src" subtype
kill -KILL "$pid"
wait_gone "$pid" "$mnt" "subtype, kill -9"
echo "ok: -o subtype=mytrace served; after kill -9 the guard unmounted it"

# 5. fusetrace mount --daemon itself: returns serving; the title keeps the
#    -o list as typed (the options are parsed from a copy)
src=$(ft_tmpdir); mnt=$(ft_tmpdir); log=$FT_ROOT/d5.log
"$FUSETRACE" mount --daemon --log "$log" -o allow_other,default_permissions,noatime "$src" "$mnt" ||
	ft_fail "fusetrace mount --daemon failed: $(cat "$log")"
pid=$(daemon_pid "$log"); ft_track_pid "$pid"
serve "$mnt" "$src" daemon
title=$(ft_cmdline "$pid")
case $title in *"-o allow_other,default_permissions,noatime "*) echo "ok: process title: $title" ;;
	*) ft_fail "process title lost its commas: $title" ;; esac
umount_daemon "$mnt" "$pid" "--daemon"

# 6. failures: a status and a message, nothing mounted
mnt=$(ft_tmpdir)
expect_failure() {  # expect_failure WHAT PATTERN mount-args...
	local what=$1 pat=$2 out rc; shift 2
	out=$(mount "$@" 2>&1); rc=$?
	[ $rc != 0 ] || ft_fail "$what: mount succeeded"
	grep -qiE "$pat" <<<"$out" || ft_fail "$what: message does not say why ($pat): $out"
	ft_any_mount_at "$mnt" && ft_fail "$what: something is mounted at $mnt"
	echo "ok: $what: status $rc: $(head -1 <<<"$out")"
}
expect_failure "missing source" "no such file" -t fuse.fusetrace "$FT_ROOT/missing" "$mnt"
expect_failure "-o mand" "mandatory locking" -t fuse.fusetrace "$src" "$mnt" -o mand
expect_failure "unknown option" "unknown option" -t fuse.fusetrace "$src" "$mnt" -o no_such_option
expect_failure "bad cache=" "cache must be" -t fuse.fusetrace "$src" "$mnt" -o cache=sometimes
echo "helper: all ok"
