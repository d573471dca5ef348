#!/bin/bash
# ident_stuck.sh — the recording daemon ends although its identity thread
# is blocked reading /proc/PID/stat of a caller stuck in exec on another,
# hung, filesystem (ident_stuck.py): the end of our own mount does not free
# that read, so the daemon must not wait for it for ever.  It waits a
# bounded time, says so, and exits; the recording is complete.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
ft_init
srcA=$(ft_tmpdir); mntA=$(ft_tmpdir); srcB=$(ft_tmpdir); mntB=$(ft_tmpdir); out=$(ft_tmpdir)
echo a > "$srcA/f"; echo b > "$srcB/f"
ft_mount "$srcB" "$mntB"
pidB=${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}
resume() { kill -CONT "$pidB" 2>/dev/null; }
trap 'rc=$?; resume; (exit $rc); ft_cleanup' EXIT

# The child and its child are older than mount A (ident_stuck.py says why).
timeout 60 /usr/bin/python3 "$here/ident_stuck.py" "$mntA/f" "$mntB/f" "$out" ||
	ft_fail "ident_stuck.py failed"
for i in $(seq 200); do [ -s "$out/child" ] && [ -s "$out/ready" ] && break; sleep 0.05; done
[ -s "$out/ready" ] || ft_fail "ident_stuck.py's child is not ready"
child=$(cat "$out/child"); grandchild=$(cat "$out/ready")
ft_track_pid "$child"; ft_track_pid "$grandchild"

# Under AddressSanitizer, no leak check for daemon A: LeakSanitizer stops
# every thread at exit (ptrace) and waits for them, and the thread this
# test leaves blocked in a killable wait does not stop until its read
# returns -- which is what the daemon must not wait for.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	"$FUSETRACE" mount --db "$out/a.db" "$srcA" "$mntA" > "$out/a.log" 2>&1 &
pidA=$!; ft_track_pid "$pidA"
for i in $(seq 100); do ft_is_mounted "$mntA" && break; sleep 0.1; done
ft_is_mounted "$mntA" || { cat "$out/a.log"; ft_fail "mount A did not come up"; }

# waiting_on MNT: requests the kernel holds for MNT's daemon (fusectl)
waiting_on() {
	cat "/sys/fs/fuse/connections/$(fuse_mount_line "$1" | cut -d' ' -f2)/waiting"
}
kill -STOP "$pidB"               # B answers nothing from now on
touch "$out/go"                  # the child execs: its FLUSH on B waits
for i in $(seq 100); do [ "$(waiting_on "$mntB")" -gt 0 ] && break; sleep 0.05; done
[ "$(waiting_on "$mntB")" -gt 0 ] || ft_fail "the child's exec did not wait for B"
touch "$out/go2"                 # the grandchild's stat on A: A reads it, then the child

# thread_state PID NAME: the state letter of PID's thread NAME
thread_state() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && awk '/^State:/ { print $2 }' "$t/status"
	done
}
for i in $(seq 100); do [ "$(thread_state "$pidA" ft-ident)" = D ] && break; sleep 0.05; done
[ "$(thread_state "$pidA" ft-ident)" = D ] ||
	ft_fail "A's ft-ident thread did not block on the child (state $(thread_state "$pidA" ft-ident))"
[ "$(cat /proc/$child/comm 2>/dev/null)" = python3 ] || ft_fail "the child finished its exec: B did not hold it"
echo "ok: the child $child is stuck in exec, A's identity thread blocked on it"

t0=$(date +%s%N)
fusermount3 -u "$mntA" || ft_fail "unmount of A"
for i in $(seq 200); do kill -0 "$pidA" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pidA" 2>/dev/null; then
	ft_fail "the daemon of A did not exit within 10 s of its unmount (waiting for its identity thread?)"
fi
wait "$pidA"; rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
cat "$out/a.log"
expect "A's exit status" "$rc" 0
grep -q "ft-ident thread is still blocked reading /proc" "$out/a.log" ||
	ft_fail "A did not say it left its identity thread behind"
expect "recording status" "$(q "$out/a.db" "SELECT status FROM session")" complete
echo "ok: A ended ${ms} ms after its unmount"

resume
for i in $(seq 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
kill -0 "$child" 2>/dev/null && ft_fail "the child is still stuck after B resumed"
echo "ident_stuck: the daemon ends without its blocked identity read"
