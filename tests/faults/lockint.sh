#!/bin/bash
# lockint.sh — a workload blocked in F_SETLKW (a process outside holds a
# classic POSIX lock on the source file) while `fusetrace record` gets
# SIGINT sent to its process group, as a terminal's Ctrl-C does:
#  - the blocked fcntl returns (EINTR → the workload's handler runs) instead
#    of hanging; the lock was NOT granted (the holder still holds it);
#  - record exits with the command's status, the mount is gone;
#  - the database is finalised: status set (not 'recording'), integrity ok;
#  - the recording holds the SETLKW request, an INTERRUPT request whose
#    target_unique is the SETLKW's unique, and the SETLKW reply EINTR.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v setsid >/dev/null || ft_skip "setsid missing"
ft_init; fx_init

dir=$(ft_tmpdir); db=$FT_ROOT/lock.db
echo data > "$dir/lockfile"

# the holder: classic POSIX write lock on the source file, taken natively
# before the mount covers the directory; it ignores SIGINT.
"$FX_PY" - "$dir/lockfile" "$FT_ROOT/held" <<'PY' &
import fcntl, os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(120)
PY
holder=$!; ft_track_pid "$holder"
for i in $(seq 1 50); do [ -e "$FT_ROOT/held" ] && break; sleep 0.1; done
[ -e "$FT_ROOT/held" ] || ft_fail "the holder did not take its lock"

# the waiter, in its own session (so a group SIGINT reaches record, its
# shell and the waiter, as Ctrl-C does)
waiter='import fcntl, os, sys
fd = os.open("lockfile", os.O_RDWR)
open(os.environ["MARK"], "w").close()
try:
    fcntl.lockf(fd, fcntl.LOCK_EX)
    print("GRANTED", flush=True)
    sys.exit(0)
except KeyboardInterrupt:
    print("INTERRUPTED", flush=True)
    sys.exit(7)'
MARK=$FT_ROOT/waiting setsid "$FUSETRACE" record --db "$db" "$dir" -- "$FX_PY" -c "$waiter" \
	> "$FT_ROOT/rec.out" 2> "$FT_ROOT/rec.err" &
rec=$!; ft_track_pid "$rec"
for i in $(seq 1 100); do [ -e "$FT_ROOT/waiting" ] && break; sleep 0.1; done
[ -e "$FT_ROOT/waiting" ] || { cat "$FT_ROOT/rec.err"; ft_fail "the waiter never started"; }
sleep 1    # let it block in SETLKW
ft_is_mounted "$dir" || ft_fail "record's mount is not there"
grep -q GRANTED "$FT_ROOT/rec.out" && ft_fail "the lock was granted while the holder held it"

kill -INT -- "-$rec"
if ! fx_wait_gone "$rec" 15; then
	ps -o pid,stat,wchan:30,cmd --ppid "$rec" >&2
	ft_fail "record still running 15 s after SIGINT: the blocked SETLKW was not interrupted"
fi
wait "$rec"; rc=$?
sed 's/^/    | /' "$FT_ROOT/rec.out" "$FT_ROOT/rec.err"
expect "record exit status (the waiter's 7)" "$rc" 7
grep -q INTERRUPTED "$FT_ROOT/rec.out" || ft_fail "the waiter did not see its lock call interrupted"
ft_any_mount_at "$dir" && ft_fail "the mount is still there after record exited"
echo "ok: mount gone"
kill -0 "$holder" 2>/dev/null || ft_fail "the holder died"

st=$(q "$db" 'SELECT status FROM session')
[ "$st" = complete ] || [ "$st" = incomplete ] || ft_fail "session status is '$st', not finalised"
echo "ok: session status = $st"
expect "integrity_check" "$(q "$db" 'PRAGMA integrity_check')" ok
setlkw=$(q "$db" "SELECT unique_id FROM request WHERE opcode = 33 ORDER BY id DESC LIMIT 1")
[ -n "$setlkw" ] || ft_fail "no SETLKW request recorded"
echo "ok: SETLKW unique = $setlkw"
expect "INTERRUPT requests targeting the SETLKW" \
	"$(q "$db" "SELECT count(*) FROM request WHERE opcode = 36 AND target_unique = $setlkw")" 1
expect "SETLKW reply errno" "$(q "$db" "SELECT errno_name FROM op WHERE unique_id = $setlkw")" EINTR
expect "INTERRUPT recorded after the SETLKW" \
	"$(q "$db" "SELECT (SELECT id FROM request WHERE opcode = 36 AND target_unique = $setlkw) > (SELECT id FROM request WHERE unique_id = $setlkw)")" 1
"$FUSETRACE" stats "$db" > /dev/null || ft_fail "stats cannot read the recording"
kill "$holder"; wait "$holder" 2>/dev/null
echo "lockint: SETLKW interrupted by Ctrl-C, mount gone, database finalised and paired"
