#!/bin/bash
# reply_fail.sh — what a CREATE gave away is all taken back when its reply
# cannot be delivered, or when it fails after the file was opened.
#
# The interposer reply_fail.so (LD_PRELOAD into the daemon) makes the
# daemon's write of a CREATE reply fail as the kernel fails it for a
# request it no longer has (ENOENT), and answers the kernel EIO itself so
# the caller does not hang; or makes the writable reopen an O_DIRECT create
# needs for the kernel's writeback fail (ENFILE, as when the system is out
# of files).
#  create   the failed reply gives back the open's I/O mode *before* the
#           lookup whose release frees the entry: the recording shows the
#           inode leave its I/O mode (reply_failed) and never a STALE for a
#           nodeid that was valid a moment before;
#  passthrough  the same with --io=passthrough: the backing file the open
#           registered in the kernel is closed again (else the kernel keeps
#           the source file open until the connection ends);
#  direct   an O_DIRECT create whose second (non-O_DIRECT) descriptor cannot
#           be opened fails with that errno and leaves no descriptor behind
#           in the daemon; with the daemon's stderr on /dev/full, its "out of
#           file descriptors" line fails, and the caller still gets ENFILE.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
[ -n "${REPLY_FAIL_SO:-}" ] && [ -f "$REPLY_FAIL_SO" ] || ft_fail "REPLY_FAIL_SO (the interposer) not set or missing"
# Under ASan the runtime must come first; a preloaded module comes before it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

FUSE_CREATE=35
FAILS=()
# check WHAT OBSERVED EXPECTED: like expect, but the test goes on (every
# case runs) and fails at the end
check() {
	if [ "$2" = "$3" ]; then echo "ok: $1 = $2"; else
		ft_log "FAIL (continuing): $1: expected '$3', observed '$2'"; FAILS+=("$1"); fi
}

# create_case LABEL [options...]: one CREATE whose reply fails, one that
# succeeds; sets $db and $n (the nodeid the failed create made).
create_case() {
	local label=$1 src mnt; shift
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); db="$FT_ROOT/$label.db"
	FT_MOUNT_CMD="env LD_PRELOAD=$REPLY_FAIL_SO REPLY_FAIL_OPCODE=$FUSE_CREATE $FUSETRACE mount" \
		ft_mount "$src" "$mnt" --db "$db" "$@"
	if { echo lost > "$mnt/a"; } 2>/dev/null; then
		ft_fail "[$label] the create whose reply failed succeeded (interposer not preloaded?)"
	fi
	echo kept > "$mnt/b" || ft_fail "[$label] the create after it failed"
	check "[$label] b through the mount" "$(cat "$mnt/b")" kept
	ft_umount "$mnt" || ft_fail "[$label] unmount"
	in_require_db "$db" "[$label]"
	n=$(in_sql "$db" "SELECT nodeid FROM inode_event WHERE kind = $(in_kind NEW) AND name = 'a'")
	[ -n "$n" ] || ft_fail "[$label] no NEW inode event for a"
	check "[$label] a's lookup given back (REPLY_FAILED)" \
		"$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE nodeid = $n AND kind = $(in_kind UNREF) AND cause = $(in_cause REPLY_FAILED)")" 1
	check "[$label] STALE events for a, whose nodeid was valid all along" \
		"$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE nodeid = $n AND kind = $(in_kind STALE)")" 0
	check "[$label] a's I/O mode given back (reply_failed) before its entry was freed" \
		"$(in_sql "$db" "SELECT count(*) FROM inode_event m WHERE m.nodeid = $n AND m.kind = $(in_kind IO_MODE)
		                 AND m.io_mode = 0 AND m.io_why = 3
		                 AND m.id < (SELECT min(id) FROM inode_event WHERE nodeid = $n AND kind = $(in_kind FREE))")" 1
	check "[$label] a's fh released" \
		"$(in_sql "$db" "SELECT count(*) FROM fh_event WHERE nodeid = $n AND kind = (SELECT kind FROM fh_kind_name WHERE name = 'RELEASE')")" 1
}

create_case create


create_case passthrough --io=passthrough
registered=$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE nodeid = $n AND kind = $(in_kind BACKING_OPEN) AND err IS NULL")
if [ "$registered" = 0 ]; then
	ft_log "passthrough: the kernel did not take passthrough here; backing files not checked"
else
	check "passthrough: a's backing files closed as often as opened" \
		"$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE nodeid = $n AND kind = $(in_kind BACKING_CLOSE)")" "$registered"
	echo "passthrough: ok"
fi

# direct: 20 O_DIRECT creates whose writeback descriptor cannot be opened
# The daemon's stderr is /dev/full: its one "out of file descriptors" line
# fails (ENOSPC), which must not change the errno the caller gets.
src=$(ft_tmpdir); mnt=$(ft_tmpdir)
printf '#!/bin/sh\nexec "$@" 2>/dev/full\n' > "$FT_ROOT/stderr_full.sh"; chmod +x "$FT_ROOT/stderr_full.sh"
FT_MOUNT_CMD="$FT_ROOT/stderr_full.sh env LD_PRELOAD=$REPLY_FAIL_SO REOPEN_FAIL_ERRNO=23 $FUSETRACE mount" ft_mount "$src" "$mnt"
pid=$(in_pid)
echo warm > "$src/warm" && cat "$mnt/warm" >/dev/null
before=$(in_fdcount "$pid")
errs=$(python3 - "$mnt" <<'PY'
import errno, os, sys
out = []
for i in range(20):
    try:
        os.close(os.open(os.path.join(sys.argv[1], "d%d" % i), os.O_CREAT | os.O_WRONLY | os.O_DIRECT, 0o644))
        out.append("ok")
    except OSError as e:
        out.append(errno.errorcode.get(e.errno, str(e.errno)))
print(" ".join(sorted(set(out))))
PY
)
after=$(in_fdcount "$pid")
ft_umount "$mnt" || ft_fail "[direct] unmount"
check "[direct] what the O_DIRECT creates got (the failed reopen's errno)" "$errs" ENFILE
[ "$after" -le $((before + 2)) ] && after="at most $((before + 2))"
check "[direct] descriptors the daemon holds after 20 failed creates ($before before)" "$after" "at most $((before + 2))"
[ ${#FAILS[@]} = 0 ] || ft_fail "${#FAILS[@]} checks failed: ${FAILS[*]}"
echo "reply_fail: PASS"
