#!/bin/bash
# allow_other.sh — ownership isolation through an allow_other mount: uids
# 1000 and 1001 against each other's 0600 files, 0700 directories, and
# root's 0600 file, exactly as natively.  Each subject tries: read, write
# (append), truncate, chmod, chown to itself, utime, setxattr, unlink and
# rename in the other's 0700 dir, list it, create in it, hard-link the other's
# file, and the same on its own files (which must work).  The transcript
# (operation -> ok/errno) through the mount must equal the native one, with
# the default (default_permissions) and with --no-default-permissions.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../faults/lib.sh"
ft_need_root "setpriv to other uids"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v setpriv > /dev/null || ft_skip "setpriv missing"
ft_init; fx_init

populate() {   # populate DIR: the same tree, natively
	local d=$1
	chmod 755 "$d"
	for u in 1000 1001; do
		mkdir "$d/home$u"; echo "secret of $u" > "$d/home$u/private"; echo "shared of $u" > "$d/pub$u"
		chmod 600 "$d/home$u/private" "$d/pub$u"; chmod 700 "$d/home$u"
		chown -R $u:$u "$d/home$u" "$d/pub$u"
	done
	echo "root secret" > "$d/rootfile"; chmod 600 "$d/rootfile"
	mkdir "$d/tmp"; chmod 1777 "$d/tmp"
}

probe='import errno, os, sys
d, me, other = sys.argv[1], sys.argv[2], sys.argv[3]
def t(name, f, *a):
    try:
        r = f(*a)
        if hasattr(r, "close"): r.close()
        res = "ok"
    except OSError as e:
        res = errno.errorcode.get(e.errno, str(e.errno))
    print("%s: %s" % (name, res))
def rd(p): return open(p).read()
def ap(p): return open(p, "a").write("x")
for who, tgt, home in (("other", "pub" + other, "home" + other), ("self", "pub" + me, "home" + me), ("root", "rootfile", None)):
    p = os.path.join(d, tgt)
    t(who + " read", rd, p)
    t(who + " append", ap, p)
    t(who + " truncate", os.truncate, p, 5)
    t(who + " chmod", os.chmod, p, 0o644)
    t(who + " chmod back", os.chmod, p, 0o600)
    t(who + " chown", os.chown, p, int(me), int(me))
    t(who + " utime", os.utime, p, (1, 1))
    t(who + " setxattr", os.setxattr, p, "user.t", b"1")
    t(who + " link", os.link, p, os.path.join(d, "tmp", "l" + me + who))
    if home:
        h = os.path.join(d, home)
        t(who + " list home", os.listdir, h)
        t(who + " read in home", rd, os.path.join(h, "private"))
        t(who + " create in home", lambda q: os.close(os.open(q, os.O_CREAT | os.O_WRONLY, 0o600)), os.path.join(h, "new" + me))
        t(who + " rename in home", os.rename, os.path.join(h, "private"), os.path.join(h, "private2"))
        t(who + " rename back", os.rename, os.path.join(h, "private2"), os.path.join(h, "private"))
        t(who + " unlink in home", os.unlink, os.path.join(h, "new" + me))
        t(who + " mkdir in home", os.mkdir, os.path.join(h, "sub" + me))
        t(who + " rmdir in home", os.rmdir, os.path.join(h, "sub" + me))
        t(who + " unlink other-s private", os.unlink, os.path.join(d, "home" + other, "private")) if who == "other" else None
'

run_all() {   # run_all DIR OUT: both subjects, in order
	local d=$1 o=$2
	: > "$o"
	for pair in "1000 1001" "1001 1000"; do
		set -- $pair
		echo "== uid $1 vs $2" >> "$o"
		setpriv --reuid=$1 --regid=$1 --clear-groups -- "$FX_PY" -c "$probe" "$d" "$1" "$2" >> "$o" 2>&1
	done
}

nat=$(ft_tmpdir); populate "$nat"; run_all "$nat" "$FT_ROOT/native.txt"
grep -q 'other read: EACCES' "$FT_ROOT/native.txt" || ft_fail "the native run does not isolate (test broken)"
for opts in "" "--no-default-permissions"; do
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); populate "$src"
	ft_mount "$src" "$mnt" -o allow_other $opts
	run_all "$mnt" "$FT_ROOT/mount.txt"
	ft_umount "$mnt" || ft_fail "unmount"
	if ! diff "$FT_ROOT/native.txt" "$FT_ROOT/mount.txt" > "$FT_ROOT/diff"; then
		sed 's/^/    /' "$FT_ROOT/diff" | head -30
		ft_fail "allow_other ${opts:-(default_permissions)}: results differ from native"
	fi
	# and the files of the others are unchanged in the source
	expect "${opts:-default}: 1000's secret" "$(cat "$src/home1000/private")" "secret of 1000"
	expect "${opts:-default}: root's file" "$(cat "$src/rootfile")" "root secret"
	echo "ok: allow_other ${opts:-(default_permissions)}: $(grep -c ': E' "$FT_ROOT/mount.txt") refusals, $(grep -c ': ok' "$FT_ROOT/mount.txt") successes, all as natively"
done
echo "allow_other: uids isolated exactly as natively"
