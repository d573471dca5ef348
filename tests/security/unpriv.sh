#!/bin/bash
# unpriv.sh — fusetrace run by an unprivileged user (uid 1000) on a
# mountpoint it owns, through fusermount3:
#  - it mounts, and says once on stderr that file handles are unavailable
#    (no CAP_DAC_READ_SEARCH) and that it uses --handles=never;
#    --handles=mandatory is refused with a clear reason and nothing mounted;
#  - basic operations work as that user (create, write, read, append,
#    mkdir, rename, symlink, readlink, hard link, chmod, truncate, unlink,
#    rmdir, listing) with the same results as the same script natively;
#  - the recording (--db in a directory the user owns) is complete and 0600;
#  - without access to tracefs, the kernel's side of the requests is left
#    out with one clear line on stderr, and the session row says so
#    (sides = daemon); --kernel-trace=on is refused (exit 2), nothing
#    mounted or created;
#  - `fusermount3 -u` by the user unmounts and the daemon exits 0;
#  - kill -9 of the unprivileged daemon leaves no mount (auto_unmount).
# Where /dev/fuse is not open to users (a container's 0600 node; Debian's is
# 0666) the test re-runs itself in a private mount namespace with a 0666
# node of the same device bound over /dev/fuse: only that namespace sees it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../faults/lib.sh"
ft_need_root "to become uid 1000"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v setpriv > /dev/null || ft_skip "setpriv missing"
[ -u "$(command -v fusermount3)" ] || ft_skip "fusermount3 is not setuid root"
U=1000
AS="setpriv --reuid=$U --regid=$U --clear-groups --inh-caps=-all --"
if ! $AS sh -c 'test -r /dev/fuse && test -w /dev/fuse'; then
	if [ -z "${FX_FUSE_NS:-}" ]; then
		command -v unshare > /dev/null || ft_skip "/dev/fuse is not open to uid $U and unshare is missing"
		exec unshare -m --propagation private env FX_FUSE_NS=1 bash "$0" "$@"
	fi
	# other suites' FUSE mounts, copied into this namespace, must not
	# outlive their owners' unmounts here
	"$here/../lib/detach_fuse.sh"
	node=$(mktemp -d /tmp/fusetrace-devfuse.XXXXXX)
	mknod -m 666 "$node/fuse" c $((0x$(stat -c '%t' /dev/fuse))) $((0x$(stat -c '%T' /dev/fuse))) && mount --bind "$node/fuse" /dev/fuse ||
		{ rm -rf "$node"; ft_skip "/dev/fuse is not open to uid $U and cannot be re-bound"; }
	echo "note: /dev/fuse is $(stat -c %a "$node/fuse" 2>/dev/null) here only (private mount namespace)"
fi
ft_init; fx_init
[ -n "${node:-}" ] && FX_HOOKS+=("umount /dev/fuse 2>/dev/null; rm -rf '$node'")
chmod 755 "$FT_ROOT"
# the binary must be reachable by the user: the build may be where uid $U
# cannot go (a checkout under /root, mode 0700), so the user runs a copy in
# our scratch root, mode 755 on the whole path.  It needs nothing else from
# the build tree (only system libraries; checked below).
[ -x "$FUSETRACE" ] || ft_fail "FUSETRACE=$FUSETRACE is not executable"
mkdir -m 755 "$FT_ROOT/bin"
cp "$FUSETRACE" "$FT_ROOT/bin/fusetrace" && chmod 755 "$FT_ROOT/bin/fusetrace" ||
	ft_fail "cannot copy $FUSETRACE to $FT_ROOT/bin"
bt=$(cd "$(dirname "$FUSETRACE")/.." && pwd)
if ldd "$FUSETRACE" 2>/dev/null | grep -qF "$bt/"; then
	ft_fail "$FUSETRACE links libraries from its build tree: copy them too ($(ldd "$FUSETRACE" | grep -F "$bt/"))"
fi
FUSETRACE=$FT_ROOT/bin/fusetrace
$AS test -x "$FUSETRACE" || ft_fail "uid $U cannot execute the copy $FUSETRACE"
$AS "$FUSETRACE" --help > /dev/null 2>&1 || ft_fail "uid $U cannot run the copy $FUSETRACE"

src=$(ft_tmpdir); mnt=$(ft_tmpdir); nat=$(ft_tmpdir); out=$(ft_tmpdir)
chown $U:$U "$src" "$mnt" "$nat" "$out"

script='set -e; cd "$1"
echo hello > a; cat a; echo more >> a; cat a
mkdir d; mv a d/b; ln -s b d/l; readlink d/l; cat d/l; ln d/b d/h; stat -c "%h %s %a" d/b
chmod 600 d/b; stat -c %a d/b; truncate -s 3 d/h; cat d/b; echo
ls -l d | awk "{print \$1, \$3, \$5, \$NF}"
rm d/l d/h d/b; rmdir d; ls -A; echo done'

# native, as the user
$AS sh -c "$script" sh "$nat" > "$FT_ROOT/native.out" 2>&1 || { cat "$FT_ROOT/native.out"; ft_fail "native script failed"; }

# --handles=mandatory: refused, nothing mounted
$AS "$FUSETRACE" mount --handles=mandatory "$src" "$mnt" > "$FT_ROOT/mand.out" 2>&1
rc=$?
[ $rc != 0 ] || ft_fail "--handles=mandatory mounted without CAP_DAC_READ_SEARCH"
grep -qi 'handle' "$FT_ROOT/mand.out" || ft_fail "--handles=mandatory refused without a reason: $(cat "$FT_ROOT/mand.out")"
ft_any_mount_at "$mnt" && ft_fail "--handles=mandatory left a mount"
echo "ok: mandatory refused: $(head -1 "$FT_ROOT/mand.out")"

FT_MOUNT_CMD="$AS $FUSETRACE mount" ft_mount "$src" "$mnt" --db "$out/u.db"
pid=${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}
expect "daemon uid" "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" $U
log=$(ft_daemon_log "$mnt")
printf '%s\n' "$log" | sed 's/^/    | /'
n=$(printf '%s\n' "$log" | grep -ci 'handles=never\|handles.*never')
expect "notes that handles degrade to never" "$n" 1
printf '%s\n' "$log" | grep -qi 'CAP_DAC_READ_SEARCH\|permission\|not permitted' ||
	ft_fail "the note does not say why handles are unavailable"
$AS sh -c "$script" sh "$mnt" > "$FT_ROOT/mount.out" 2>&1 || { cat "$FT_ROOT/mount.out"; ft_fail "the script failed through the mount"; }
diff "$FT_ROOT/native.out" "$FT_ROOT/mount.out" || ft_fail "results through the unprivileged mount differ from native"
echo "ok: basic operations identical to native"
# fusectl's files of a connection belong to the user who mounted: the
# waiting count is sampled (fuse_waiting) when fusectl is mounted; without
# it (a user cannot mount it) the daemon says so
if grep -q ' - fusectl ' /proc/self/mountinfo; then
	for i in $(seq 1 100); do
		[ "$(q "$out/u.db" "SELECT count(*) > 0 FROM counter WHERE name = 'fuse_waiting'")" = 1 ] && break
		sleep 0.05
	done
	expect "the user's daemon samples its connection's waiting count" \
		"$(q "$out/u.db" "SELECT count(*) > 0 FROM counter WHERE name = 'fuse_waiting'")" 1
else
	printf '%s\n' "$log" | grep -q "waiting count is not sampled" ||
		ft_fail "no fusectl, and the daemon does not say the waiting count is not sampled"
fi
# the user unmounts
$AS fusermount3 -u "$mnt" || ft_fail "fusermount3 -u by the user failed"
fx_wait_gone "$pid" 20 || ft_fail "the daemon did not exit after fusermount3 -u"
wait "$pid"; rc=$?
expect "daemon exit status" "$rc" 0
FT_PIDS[$((${#FT_PIDS[@]} - 1))]=""; FT_MOUNTS[$((${#FT_MOUNTS[@]} - 1))]=""
ft_any_mount_at "$mnt" && ft_fail "still mounted after fusermount3 -u"
expect "recording status" "$(q "$out/u.db" 'SELECT status FROM session')" complete
expect "recording mode" "$(stat -c %a "$out/u.db")" 600
expect "recording owner" "$(stat -c %u "$out/u.db")" $U
# no tracefs for the user: one line saying so and why; the daemon's side complete
expect "lines about the kernel side" "$(printf '%s\n' "$log" | grep -c 'kernel side')" 1
printf '%s\n' "$log" | grep 'kernel side' | grep -q 'root' ||
	ft_fail "the kernel-side line does not say why: $(printf '%s\n' "$log" | grep 'kernel side')"
expect "recorded sides" "$(q "$out/u.db" 'SELECT sides FROM session')" daemon
[ -n "$(q "$out/u.db" 'SELECT kernel_trace_note FROM session')" ] || ft_fail "the session row does not say why the kernel side is missing"
expect_ge "requests recorded" "$(q "$out/u.db" 'SELECT count(*) FROM request')" 20
expect "kernel rows" "$(q "$out/u.db" 'SELECT count(*) FROM kernel_send')" 0
$AS "$FUSETRACE" mount --kernel-trace=on --db "$out/on.db" "$src" "$mnt" > "$FT_ROOT/on.out" 2>&1
expect "--kernel-trace=on without tracefs: exit" "$?" 2
grep -q 'kernel-trace=on' "$FT_ROOT/on.out" || ft_fail "--kernel-trace=on refused without a reason: $(cat "$FT_ROOT/on.out")"
[ -e "$out/on.db" ] && ft_fail "--kernel-trace=on refused but created its database"
ft_any_mount_at "$mnt" && ft_fail "--kernel-trace=on refused but mounted"
echo "ok: kernel side: $(printf '%s\n' "$log" | grep 'kernel side')"

# kill -9 of the unprivileged daemon: auto_unmount cleans up
FT_MOUNT_CMD="$AS $FUSETRACE mount" ft_mount "$src" "$mnt"
pid=${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}
kill -KILL "$pid"; wait "$pid" 2>/dev/null
FT_PIDS[$((${#FT_PIDS[@]} - 1))]=""
for i in $(seq 1 50); do ft_any_mount_at "$mnt" || break; sleep 0.1; done
ft_any_mount_at "$mnt" && ft_fail "the mount survived kill -9 of the unprivileged daemon"
FT_MOUNTS[$((${#FT_MOUNTS[@]} - 1))]=""
echo "ok: kill -9: mount gone (auto_unmount)"
echo "unpriv: works as uid $U through fusermount3, handles degrade to never with a note"
