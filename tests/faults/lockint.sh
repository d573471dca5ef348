#!/bin/bash
# lockint.sh — a workload blocked in F_SETLKW (a process outside holds a
# classic POSIX lock on the source file) while the user presses Ctrl-C in
# the terminal running `fusetrace record` (a real one: tmux):
#  - the blocked fcntl returns (EINTR → the workload's handler runs) instead
#    of hanging; the lock was NOT granted (the holder still holds it);
#  - record exits with the command's status, the mount is gone;
#  - the database is finalised: status set (not 'recording'), integrity ok;
#  - the recording holds the SETLKW request, an INTERRUPT request whose
#    target_unique is the SETLKW's unique, and the SETLKW reply EINTR.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v tmux >/dev/null || ft_fail "tmux missing (tools/install-deps.sh installs it)"
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

# the waiter: blocks in F_SETLKW through the mount.  Its SIGINT handler
# interrupts the lock call on the first SIGINT and counts any later one;
# it then waits 0.5 s (a duplicate would arrive meanwhile), prints
# "INTERRUPTED <count>" and exits 7 for exactly one SIGINT, 8 for more.
cat > "$FT_ROOT/waiter.py" <<'PY'
import fcntl, os, signal, sys, time
count = 0
class Interrupted(Exception):
    pass
def on_int(sig, frame):
    global count
    count += 1
    if count == 1:
        raise Interrupted()
signal.signal(signal.SIGINT, on_int)
fd = os.open("lockfile", os.O_RDWR)
open(os.environ["MARK"], "w").close()
try:
    if os.environ.get("WAIT") == "sleep":
        time.sleep(60)     # not in a FUSE request: each SIGINT lands at once
        sys.exit(0)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    print("GRANTED", flush=True)
    sys.exit(0)
except Interrupted:
    time.sleep(0.5)
    print("INTERRUPTED %d" % count, flush=True)
    sys.exit(7 if count == 1 else 8)
PY

# start_record DB MARK: `fusetrace record` of the waiter in a real terminal
# (a tmux pane: record and the waiter in its foreground process group, as
# in a shell); sets rec (record's pid) and pane.
sock=ft-lockint-$$
FX_HOOKS+=("tmux -L $sock kill-server 2>/dev/null")
start_record() {
	local db=$1 mark=$2 n=$3
	cat > "$FT_ROOT/run$n.sh" <<SH
WAIT='${WAIT:-lock}' MARK='$mark' '$FUSETRACE' record --db '$db' '$dir' -- '$FX_PY' '$FT_ROOT/waiter.py' \
	> '$FT_ROOT/rec$n.out' 2> '$FT_ROOT/rec$n.err'
echo \$? > '$FT_ROOT/rc$n'
SH
	tmux -L "$sock" -f /dev/null new-session -d -s "s$n" -x 120 -y 20 "bash '$FT_ROOT/run$n.sh'; sleep 60"
	for i in $(seq 1 100); do [ -e "$mark" ] && break; sleep 0.1; done
	[ -e "$mark" ] || { cat "$FT_ROOT/rec$n.err"; ft_fail "the waiter never started"; }
	# the lowest pid: record's unmount guard is a fork with the same command line
	rec=$(ft_pids_matching "record --db $db" | head -1)
	[ -n "$rec" ] || ft_fail "cannot find record's pid"
	ft_track_pid "$rec"
	sleep 1    # let it block in SETLKW
	ft_is_mounted "$dir" || ft_fail "record's mount is not there"
	grep -q GRANTED "$FT_ROOT/rec$n.out" && ft_fail "the lock was granted while the holder held it"
}
# finish_record N: wait for record to end; sets rc
finish_record() {
	local n=$1
	if ! fx_wait_gone "$rec" 15; then
		# what record and its children wait on, and what record said
		ps -o pid,stat,wchan:30,cmd --ppid "$rec" >&2
		ps -L -o pid,tid,stat,wchan:30,comm -p "$rec" >&2
		for t in /proc/"$rec"/task/*; do echo "== $t: $(cat "$t/comm")"; cat "$t/stack"; done >&2 2>/dev/null
		command -v gdb >/dev/null && timeout 30 gdb -batch -p "$rec" -ex "thread apply all bt" >&2 2>&1
		cat "$FT_ROOT/rec$n.err" >&2
		ft_fail "record still running 15 s after the signal: the blocked SETLKW was not interrupted"
	fi
	for i in $(seq 1 50); do [ -s "$FT_ROOT/rc$n" ] && break; sleep 0.1; done
	rc=$(cat "$FT_ROOT/rc$n")
	sed 's/^/    | /' "$FT_ROOT/rec$n.out" "$FT_ROOT/rec$n.err"
}

# 1. Ctrl-C typed at the terminal: the waiter gets exactly one SIGINT (the
#    terminal's; record must not pass on a second one: a SIGINT inside
#    Python's KeyboardInterrupt handling would make it exit 130).
start_record "$db" "$FT_ROOT/waiting" 1
tmux -L "$sock" send-keys -t s1 C-c
finish_record 1
expect "record exit status after Ctrl-C (7: the waiter got exactly one SIGINT)" "$rc" 7
grep -q INTERRUPTED "$FT_ROOT/rec1.out" || ft_fail "the waiter did not see its lock call interrupted"
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

# 2. SIGINT sent to record alone (kill PID, not the terminal): record passes
#    it on, once.
start_record "$FT_ROOT/lock2.db" "$FT_ROOT/waiting2" 2
kill -INT "$rec"
finish_record 2
expect "record exit status after kill -INT to record (7: passed on exactly once)" "$rc" 7
grep -q INTERRUPTED "$FT_ROOT/rec2.out" || ft_fail "SIGINT to record alone did not reach the waiter"
ft_any_mount_at "$dir" && ft_fail "the mount is still there after the second record exited"

# 3. Ctrl-C while the command sleeps outside any FUSE request: a signal
#    passed on by record would arrive as a second, separate SIGINT.  (Two
#    SIGINTs that land before Python runs its handler count as one, so a
#    regression shows here often, not always; in case 1 the blocked FUSE
#    request keeps the first pending and merges them.)
WAIT=sleep start_record "$FT_ROOT/lock3.db" "$FT_ROOT/waiting3" 3
tmux -L "$sock" send-keys -t s3 C-c
finish_record 3
expect "record exit status after Ctrl-C during a sleep (7: exactly one SIGINT)" "$rc" 7
kill "$holder"; wait "$holder" 2>/dev/null
echo "lockint: SETLKW interrupted by Ctrl-C (once), mount gone, database finalised and paired; SIGINT to record alone passed on"
