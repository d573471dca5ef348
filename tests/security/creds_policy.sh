#!/bin/bash
# creds_policy.sh — per-request credentials: what the daemon is left with
# after acting as a caller, what it does when it cannot switch at all, and
# the capability the switch must not lose.
#  1. groups: a root daemon started with supplementary groups 1234,5678
#     serves uid 1000 on an allow_other mount; afterwards every daemon
#     thread still has groups 1234 5678 (the switch back restores the
#     daemon's own list, not an empty one).
#  2. no CAP_SETUID/CAP_SETGID (root with both dropped from its bounding
#     set, as in a restricted container; a non-root daemon is the same case):
#     a. -o allow_other --no-default-permissions is refused before mounting:
#        exit 2, a message naming the capabilities, nothing mounted;
#     b. -o allow_other (default_permissions) mounts single-user: one note
#        on stderr; uid 1000 reads and lists what the modes allow (instead
#        of EPERM on every request), and gets EACCES where the modes forbid.
#  3. --no-default-permissions (the source checks, as the caller): uid 1000
#     holding CAP_MKNOD makes a device node in a dir it may write (owned
#     1000:1000) and gets EACCES in a 0755 root dir, as natively (the node
#     used to be made as the daemon, past the directory's permissions); a
#     RENAME_WHITEOUT by uid 1000 gives the same whiteout as natively (no
#     CAP_MKNOD needed since Linux 5.8).
set -u
. "$(dirname "$0")/../lib/common.sh"
ft_init
ft_need_root "setpriv, allow_other"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v setpriv >/dev/null || ft_skip "setpriv missing"
[ -x /usr/bin/python3 ] || ft_skip "/usr/bin/python3 missing (uid 1000 runs it)"

as1000() { setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }
NOSETID=(setpriv --bounding-set=-setuid,-setgid --inh-caps=-setuid,-setgid)

# ---- 1. the daemon's groups ------------------------------------------------
src=$(ft_tmpdir); mnt=$(ft_tmpdir); chmod 1777 "$src"
echo hello >"$src/pub"; chmod 644 "$src/pub"
FT_MOUNT_CMD="setpriv --groups=1234,5678 $FUSETRACE mount" ft_mount "$src" "$mnt" -o allow_other
pid=${FT_PIDS[${#FT_PIDS[@]}-1]}
for i in 1 2 3 4; do
	as1000 cat "$mnt/pub" >/dev/null || ft_fail "[groups] uid 1000 cannot read a 0644 file"
	as1000 sh -c "echo x >'$mnt/u$i'" || ft_fail "[groups] uid 1000 cannot create in a 1777 dir"
done
ls -l "$mnt" >/dev/null
for t in /proc/"$pid"/task/*; do
	g=$(awk '/^Groups:/ { $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); print }' "$t/status")
	[ "$g" = "1234 5678" ] || ft_fail "[groups] daemon thread ${t##*/} has groups '$g' after serving uid 1000, expected the daemon's own '1234 5678'"
done
ft_umount "$mnt" || ft_fail "[groups] unmount failed"
ft_log "[groups] every daemon thread kept groups 1234 5678"

# ---- 2a. no CAP_SETUID/SETGID, no default_permissions: refused --------------
src=$(ft_tmpdir); mnt=$(ft_tmpdir)
"${NOSETID[@]}" "$FUSETRACE" mount -o allow_other --no-default-permissions "$src" "$mnt" \
	>"$FT_ROOT/2a.log" 2>&1 &
p=$!; ft_track_pid "$p"
for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$p" 2>/dev/null; then
	FT_MOUNTS+=("$mnt"); FT_PIDS+=("$p"); FT_LOGS+=("$FT_ROOT/2a.log"); FT_LOGMNTS+=("$mnt")
	ft_fail "[refuse] allow_other --no-default-permissions without CAP_SETUID/CAP_SETGID was not refused (the daemon is serving: every user would act as root)"
fi
wait "$p"; rc=$?
ft_any_mount_at "$mnt" && ft_fail "[refuse] something is mounted on $mnt"
[ $rc = 2 ] || ft_fail "[refuse] expected exit status 2, got $rc: $(cat "$FT_ROOT/2a.log")"
grep -q 'CAP_SETUID' "$FT_ROOT/2a.log" || ft_fail "[refuse] the message does not say what is missing: $(cat "$FT_ROOT/2a.log")"
[ "$(wc -l <"$FT_ROOT/2a.log")" = 1 ] || ft_fail "[refuse] expected a one-line message, got: $(cat "$FT_ROOT/2a.log")"
ft_log "[refuse] exit 2: $(cat "$FT_ROOT/2a.log")"

# ---- 2b. no CAP_SETUID/SETGID, default_permissions: single-user -------------
echo hello >"$src/pub"; chmod 644 "$src/pub"
echo secret >"$src/priv"; chmod 600 "$src/priv"
mkdir "$src/d"; echo x >"$src/d/f"; chmod 755 "$src/d"
FT_MOUNT_CMD="${NOSETID[*]} $FUSETRACE mount" ft_mount "$src" "$mnt" -o allow_other
log=${FT_LOGS[${#FT_LOGS[@]}-1]}
got=$(as1000 cat "$mnt/pub" 2>&1) || ft_fail "[single-user] uid 1000 reading a 0644 file: $got"
[ "$got" = hello ] || ft_fail "[single-user] uid 1000 read '$got' from a 0644 file"
got=$(as1000 ls "$mnt/d" 2>&1) || ft_fail "[single-user] uid 1000 listing a 0755 dir: $got"
[ "$got" = f ] || ft_fail "[single-user] uid 1000 listed '$got'"
got=$(as1000 cat "$mnt/priv" 2>&1) && ft_fail "[single-user] uid 1000 read a 0600 root file: '$got'"
case $got in *"Permission denied"*) ;; *) ft_fail "[single-user] uid 1000 reading a 0600 root file: expected EACCES, got: $got";; esac
got=$(as1000 sh -c "echo y >'$mnt/d/new'" 2>&1) && ft_fail "[single-user] uid 1000 created a file in a 0755 root dir"
ft_umount "$mnt" || ft_fail "[single-user] unmount failed"
n=$(grep -c 'CAP_SETUID/CAP_SETGID' "$log")
[ "$n" = 1 ] || ft_fail "[single-user] expected one note about the missing capabilities on stderr, got $n: $(cat "$log")"
ft_log "[single-user] mounted; note: $(grep 'CAP_SETUID' "$log")"

# ---- 3. device nodes and whiteouts as the caller ------------------------------
# --no-default-permissions: the source checks permissions, as the caller
nat=$(ft_tmpdir 1777); src=$(ft_tmpdir 1777); mnt=$(ft_tmpdir)
mkdir "$nat/ro" "$src/ro"; chmod 755 "$nat/ro" "$src/ro"
ft_mount "$src" "$mnt" -o allow_other --no-default-permissions
CAPMK=(--inh-caps=+mknod --ambient-caps=+mknod)
res() { "$@" >/dev/null 2>&1 && echo ok || echo "fail"; }
for d in . ro; do
	want=$(res as1000 "${CAPMK[@]}" mknod "$nat/$d/dev" c 1 3)
	got=$(res as1000 "${CAPMK[@]}" mknod "$mnt/$d/dev" c 1 3)
	want_st=$(stat -c '%u:%g %F %t,%T' "$nat/$d/dev" 2>&1 | sed 's/.*No such file.*/absent/')
	got_st=$(stat -c '%u:%g %F %t,%T' "$src/$d/dev" 2>&1 | sed 's/.*No such file.*/absent/')
	[ "$got:$got_st" = "$want:$want_st" ] ||
		ft_fail "[mknod] uid 1000 with CAP_MKNOD, mknod in the $d dir: natively $want ($want_st), through the mount $got ($got_st)"
	ft_log "[mknod] uid 1000 with CAP_MKNOD in the '$d' dir: $got ($got_st), as natively"
done
whiteout() {   # whiteout DIR: as uid 1000 (no CAP_MKNOD), make DIR/a, rename it to DIR/b leaving a whiteout
	as1000 /usr/bin/python3 -c '
import ctypes, os, sys
d = sys.argv[1]
open(os.path.join(d, "a"), "w").close()
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, os.path.join(d, "a").encode(), -100, os.path.join(d, "b").encode(), 4)
print("ok" if r == 0 else os.strerror(ctypes.get_errno()))' "$1"
}
want=$(whiteout "$nat"); want_st=$(stat -c '%u:%g %F %t,%T' "$nat/a" 2>&1)
got=$(whiteout "$mnt"); got_st=$(stat -c '%u:%g %F %t,%T' "$src/a" 2>&1)
ft_umount "$mnt" || ft_fail "[whiteout] unmount failed"
[ "$got" = "$want" ] && [ "$got_st" = "$want_st" ] ||
	ft_fail "[whiteout] RENAME_WHITEOUT by uid 1000: natively '$want' leaving '$want_st', through the mount '$got' leaving '$got_st'"
ft_log "[whiteout] '$got', whiteout '$got_st', as natively"
echo "creds_policy: PASS"
