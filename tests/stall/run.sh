#!/bin/bash
# tests/stall/run.sh CASE — the stall watchdog on real mounts.  Each case
# makes the daemon block inside the source filesystem, with the thing it
# waits for held outside the mount (holder.py), and checks what the daemon
# says on stderr, what the recording holds (live and finished), and that
# the block, once released, leaves nothing stuck (no thread of the machine
# in D state).  The holder and the blocked client are killed, which
# releases the daemon, before anything is unmounted, also on failure.
#
#   open             an open for writing waits on a read lease (break_lease)
#                    held on the source file; the live database shows the
#                    request in `inflight` within 2 s; STALL names the worker
#                    that read it and the `open` it is in; stats lists it
#   flock            flock through the mount, a conflicting flock held on the
#                    source: the STALL names the lock waiter thread, not the
#                    worker that read the request, and the `flock` call
#   posix-interrupt  F_SETLKW against a POSIX lock held on the source; the
#                    caller is killed: the interrupted request's reply ends
#                    the stall
#   session-end      the daemon is stopped (SIGTERM) while a request is
#                    stalled: STALL_END says the session ended
#   no-db            not recording: the stall is still reported on stderr
#   splice-read      not recording, so READ replies are spliced from the
#                    source file: a READ stuck in that splice (the source is
#                    another FUSE mount whose daemon is stopped) is reported
#                    in `splice` and ends as replied, not as released
#   off              --stall=0: no report at all; bad --stall values refused
#   lttng            record --lttng --db with a stall: `fusetrace import` of
#                    the LTTng trace gives the same stall rows
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../replay/lib.sh"      # expect_status, ft_python
CASE=${1:?usage: run.sh CASE}
ft_need_root "leases, kernel stacks"
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"
command -v sqlite3 >/dev/null || ft_fail "sqlite3 missing"
ft_init
FT_NAME="stall-$CASE"
ft_note_stuck_before

HOLDERS=()    # holder.py pids
CLIENTS=()    # blocked client pids
STOPPED=      # a daemon of ours stopped with SIGSTOP
release_all() {
	local p
	[ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null
	STOPPED=
	for p in "${HOLDERS[@]}" "${CLIENTS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${HOLDERS[@]}" "${CLIENTS[@]}"; do
		wait "$p" 2>/dev/null
	done
	HOLDERS=() CLIENTS=()
}
# Release before ft_cleanup unmounts: a mount with a blocked caller is busy.
trap 'rc=$?; release_all; (exit $rc); ft_cleanup' EXIT

now_ms() { date +%s%3N; }

# hold MODE FILE: hold MODE on FILE (outside the mount) until released
hold() {
	local ready=$FT_ROOT/ready.$RANDOM
	python3 "$here/holder.py" "$1" "$2" "$ready" &
	HOLDERS+=($!)
	local deadline=$(($(now_ms) + 10000))
	until [ -e "$ready" ]; do
		kill -0 "${HOLDERS[-1]}" 2>/dev/null || ft_fail "holder.py $1 $2 died"
		[ "$(now_ms)" -lt "$deadline" ] || ft_fail "holder.py $1 $2 not ready within 10 s"
		sleep 0.02
	done
}
unhold() {
	kill -TERM "${HOLDERS[@]}" 2>/dev/null
	local p; for p in "${HOLDERS[@]}"; do wait "$p" 2>/dev/null; done
	HOLDERS=()
}

# client CMD...: run CMD in the background (bounded by timeout); its pid in CLIENT
client() {
	timeout -k 5 60 "$@" &
	CLIENT=$!
	CLIENTS+=("$CLIENT")
}
# client_done [STATUS]: wait (bounded) for the last client; check its status
client_done() {
	local want=${1:-0} i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$CLIENT" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$CLIENT" 2>/dev/null && ft_fail "the client did not finish within 10 s of the release"
	wait "$CLIENT"; local rc=$?
	[ "$want" = any ] || [ "$rc" = "$want" ] || ft_fail "client exited with $rc, expected $want"
	CLIENTS=()
}

# wait_log LOG REGEX SECONDS WHAT: poll LOG until a line matches
wait_log() {
	local deadline=$(($(now_ms) + $3 * 1000))
	until grep -Eq -- "$2" "$1" 2>/dev/null; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			ft_log "log $1:"; sed 's/^/    | /' "$1" >&2
			ft_fail "$4: no line matching /$2/ within $3 s"
		fi
		sleep 0.05
	done
	echo "ok: $4"
}

# wait_sql DB SQL EXPECTED DEADLINE_MS WHAT: poll the (live) database until
# SQL gives EXPECTED, up to the absolute time DEADLINE_MS (now_ms clock)
wait_sql() {
	local got=""
	while :; do
		got=$(sqlite3 -batch -noheader "$1" "$2" 2>/dev/null)
		[ "$got" = "$3" ] && { echo "ok: $5 (after $(( $(now_ms) - T0 )) ms)"; return 0; }
		[ "$(now_ms)" -ge "$4" ] && break
		sleep 0.05
	done
	ft_fail "$5: expected '$3', got '$got' (deadline passed)"
}


src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
db=$out/rec.db
echo "before" > "$src/file"
rsrc=$(realpath "$src")

# The stall row of the one stalled request, checked against the request
# itself.  common_checks OP SYSCALL
common_checks() {
	echo "--- the daemon's lines about it:"
	grep '^fusetrace: stall' "$DLOG"
	expect "stalls recorded" "$(q "$db" 'SELECT count(*) FROM stall')" 1
	expect "the stalled request's op" "$(q "$db" 'SELECT op FROM stalls')" "$1"
	expect "the stall's request is recorded" \
		"$(q "$db" 'SELECT count(*) FROM stalls s JOIN request q USING (unique_id)')" 1
	expect "syscall" "$(q "$db" 'SELECT syscall FROM stalls')" "$2"
	expect "the call's fd is the source file" "$(q "$db" 'SELECT fd_path FROM stalls')" "$rsrc/file"
	expect "reported after --stall (1 s) of waiting" \
		"$(q "$db" 'SELECT ts - held_ts >= 1000000000 FROM stall')" 1
	# (two reads of the clock a few instructions apart: the watchdog's and the recorder's)
	expect "held since the request was read" \
		"$(q "$db" 'SELECT abs(s.held_ts - q.ts) < 50000000 FROM stall s JOIN request q USING (unique_id)')" 1
	expect "the call began after the request was read" \
		"$(q "$db" 'SELECT call_ts >= held_ts AND call_ts < ts FROM stall')" 1
	expect "one STALL_END" "$(q "$db" 'SELECT count(*) FROM stall_end')" 1
	expect "the stall ended after it was reported" \
		"$(q "$db" 'SELECT e.ts > s.ts FROM stall s JOIN stall_end e USING (unique_id)')" 1
	expect "the kernel stack was read (as root)" \
		"$(q "$db" "SELECT kernel_stack LIKE '%entry_SYSCALL%' FROM stall")" 1
	echo "--- the STALL row:"
	sqlite3 -header "$db" "SELECT unique_id, request_id, op, path, pid, tid, syscall, fd, arg,
		fd_path, held_ts, call_ts, ts, end_ts, end_reason, duration_ns, wchan FROM stalls"
	sqlite3 "$db" "SELECT kernel_stack FROM stall" | sed 's/^/    /'
}

case "$CASE" in

open)
	ft_mount "$src" "$mnt" --db "$db" --stall=1s
	DLOG=${FT_LOGS[-1]}
	hold lease "$src/file"
	T0=$(now_ms)
	client sh -c "echo after > '$mnt/file'"
	# A request in flight is in the live database within 2 s.
	wait_sql "$db" "SELECT count(*) FROM inflight WHERE op = 'OPEN' AND path = '/file'" 1 \
		$((T0 + 2000)) "the blocked OPEN is in the live database's inflight view"
	wait_log "$DLOG" "^fusetrace: stall: OPEN request [0-9]+ from pid [0-9]+ has waited [0-9.]+ s; thread [0-9]+ is in open\(fd [0-9]+ $rsrc/file, arg 0x[0-9a-f]+\) since [0-9.]+ s \(kernel: [a-z_]*break_lease\)$" \
		10 "stderr: one line when the stall begins, naming the open and the lease break"
	wait_sql "$db" "SELECT count(*) FROM stall" 1 $(($(now_ms) + 2000)) "the STALL is in the live database"
	expect "the live stalls view: still held" "$(q "$db" 'SELECT op, end_ts IS NULL FROM stalls')" "OPEN|1"
	"$FUSETRACE" stats "$db" > "$out/stats.live" 2>&1 || { cat "$out/stats.live"; ft_fail "stats on the live recording"; }
	grep -Eq "unanswered 1" "$out/stats.live" || ft_fail "live stats: no unanswered request: $(cat "$out/stats.live")"
	grep -Eq "^Stalls +1 request held longer than --stall, 1 not ended" "$out/stats.live" \
		|| ft_fail "live stats: no open stall: $(cat "$out/stats.live")"
	grep -Eq "OPEN .* still held +open\(fd [0-9]+ $rsrc/file" "$out/stats.live" \
		|| ft_fail "live stats: the stall's line: $(cat "$out/stats.live")"
	echo "ok: stats on the live recording lists the open stall"
	unhold
	client_done 0
	wait_log "$DLOG" "^fusetrace: stall ended: OPEN request [0-9]+ after [0-9.]+ s \(replied\)$" 10 \
		"stderr: one line when the stall ends"
	expect "the write went through after the release" "$(cat "$src/file")" "after"
	ft_umount "$mnt" || ft_fail "unmount"
	expect "session" "$(q "$db" 'SELECT status FROM session')" "complete"
	common_checks OPEN open
	expect "held by the worker that read the request" \
		"$(q "$db" 'SELECT s.tid = o.tid FROM stalls s JOIN op o USING (unique_id)')" 1
	expect "the open's flags: O_WRONLY|O_TRUNC" "$(q "$db" 'SELECT (arg & 3) = 1 AND (arg & 512) = 512 FROM stall')" 1
	expect "wait channel" "$(q "$db" "SELECT wchan LIKE '%break_lease%' FROM stall")" 1
	expect "ended by the reply" "$(q "$db" 'SELECT end_reason FROM stalls')" reply
	expect "the reply was ok" "$(q "$db" 'SELECT o.errno FROM stalls s JOIN op o USING (unique_id)')" 0
	"$FUSETRACE" stats "$db" > "$out/stats" 2>&1 || ft_fail "stats"
	grep -Eq "OPEN .* reply +open\(fd [0-9]+ $rsrc/file, arg 0x[0-9a-f]+\) in [a-z_]*break_lease on /file" "$out/stats" \
		|| ft_fail "stats: the stall's line: $(cat "$out/stats")"
	grep -E "^Stalls|^  [0-9]+ +OPEN" "$out/stats"
	;;

flock)
	ft_mount "$src" "$mnt" --db "$db" --stall=1s
	DLOG=${FT_LOGS[-1]}
	hold flock "$src/file"
	T0=$(now_ms)
	client flock "$mnt/file" -c true
	wait_log "$DLOG" "^fusetrace: stall: SETLKW request [0-9]+ from pid [0-9]+ has waited [0-9.]+ s; thread [0-9]+ is in flock\(fd [0-9]+ $rsrc/file, arg 0x2\) since" \
		10 "stderr: the stall names the flock call"
	unhold
	client_done 0
	wait_log "$DLOG" "^fusetrace: stall ended: SETLKW request [0-9]+ after [0-9.]+ s \(replied\)$" 10 \
		"stderr: the stall ended with the reply"
	ft_umount "$mnt" || ft_fail "unmount"
	common_checks SETLKW flock
	expect "flock(LOCK_EX)" "$(q "$db" 'SELECT arg FROM stall')" 2
	expect "held by the lock waiter, not the worker that read the request" \
		"$(q "$db" 'SELECT s.tid <> o.tid FROM stalls s JOIN op o USING (unique_id)')" 1
	expect "the waiter's backing call is the recorded flock" \
		"$(q "$db" "SELECT count(*) FROM stalls s JOIN backing b ON b.unique_id = s.unique_id AND b.tid = s.tid AND b.call = 'flock' AND b.arg = 2")" 1
	expect "ended by the reply" "$(q "$db" 'SELECT end_reason FROM stalls')" reply
	;;

posix-interrupt)
	ft_mount "$src" "$mnt" --db "$db" --stall=1s
	DLOG=${FT_LOGS[-1]}
	hold posix "$src/file"
	T0=$(now_ms)
	client python3 -c "import fcntl, os; fd = os.open('$mnt/file', os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX)"
	wait_log "$DLOG" "^fusetrace: stall: SETLKW request [0-9]+ .* is in fcntl\(F_OFD_SETLKW\)\(fd [0-9]+ $rsrc/file, arg 0x1\) since" \
		10 "stderr: the stall names the F_OFD_SETLKW call"
	# The caller gives up: the kernel interrupts the request, the waiter answers EINTR.
	kill -TERM "$CLIENT"
	client_done any
	wait_log "$DLOG" "^fusetrace: stall ended: SETLKW request [0-9]+ after [0-9.]+ s \(replied\)$" 10 \
		"stderr: the interrupted request's reply ended the stall"
	unhold
	ft_umount "$mnt" || ft_fail "unmount"
	common_checks SETLKW 'fcntl(F_OFD_SETLKW)'
	expect "F_WRLCK" "$(q "$db" 'SELECT arg FROM stall')" 1
	expect "held by the lock waiter" "$(q "$db" 'SELECT s.tid <> o.tid FROM stalls s JOIN op o USING (unique_id)')" 1
	expect "ended by the reply" "$(q "$db" 'SELECT end_reason FROM stalls')" reply
	expect "the reply: EINTR" "$(q "$db" 'SELECT o.errno_name FROM stalls s JOIN op o USING (unique_id)')" EINTR
	expect "the kernel sent INTERRUPT for it" \
		"$(q "$db" "SELECT count(*) FROM request r JOIN stall s ON r.target_unique = s.unique_id WHERE r.opcode = 36")" 1
	;;

session-end)
	ft_mount "$src" "$mnt" --db "$db" --stall=1s
	DLOG=${FT_LOGS[-1]}
	hold flock "$src/file"
	T0=$(now_ms)
	client flock "$mnt/file" -c true
	wait_log "$DLOG" "^fusetrace: stall: SETLKW request [0-9]+ .* is in flock\(" 10 "stderr: the stall begins"
	# SIGTERM ends the session with the request still held.
	idx=$(ft__index "$mnt"); dpid=${FT_PIDS[idx]}
	kill -TERM "$dpid"
	wait_log "$DLOG" "^fusetrace: stall ended: SETLKW request [0-9]+ after [0-9.]+ s \(the session ended\)$" 20 \
		"stderr: the stall ended with the session"
	ft__reap "$dpid" 300 || ft_fail "the daemon did not exit within 30 s of SIGTERM"
	expect "daemon exit status" "$FT_STATUS" 0
	ft_forget_daemon "$mnt" || ft_fail "sanitizer report"
	client_done any      # its request failed with the connection
	unhold
	ft_any_mount_at "$mnt" && ft_fail "$mnt still mounted after the daemon exited"
	expect "the session row was finalised" "$(q "$db" "SELECT status <> 'recording' FROM session")" 1
	expect "stalls recorded" "$(q "$db" 'SELECT count(*) FROM stall')" 1
	expect "ended with the session" "$(q "$db" 'SELECT end_reason FROM stalls')" session_end
	expect "no reply was recorded for it" "$(q "$db" 'SELECT o.outcome FROM stalls s JOIN op o USING (unique_id)')" inflight
	;;

no-db)
	# Not recording: the watchdog still reports, on stderr, timing the
	# call itself (to its 100 ms tick).
	ft_mount "$src" "$mnt" --stall=1s
	DLOG=${FT_LOGS[-1]}
	hold flock "$src/file"
	client flock "$mnt/file" -c true
	wait_log "$DLOG" "^fusetrace: stall: SETLKW request [0-9]+ from pid [0-9]+ has waited [0-9.]+ s; thread [0-9]+ is in flock\(fd [0-9]+ $rsrc/file, arg 0x2\) since [0-9.]+ s" \
		10 "stderr without a recording: the stall and its flock, timed by the watchdog"
	unhold
	client_done 0
	wait_log "$DLOG" "^fusetrace: stall ended: SETLKW request [0-9]+ after [0-9.]+ s \(replied\)$" 10 \
		"stderr without a recording: the end"
	ft_umount "$mnt" || ft_fail "unmount"
	expect "lines about stalls" "$(grep -c 'stall' "$DLOG")" 2
	;;

splice-read)
	# The source is itself a mount (of fusetrace, --stall=0) whose daemon
	# we stop: a READ of a file there waits until it continues.
	isrc=$(ft_tmpdir); inner=$(ft_tmpdir)
	head -c 4194304 /dev/urandom > "$isrc/warm"
	head -c 4194304 /dev/urandom > "$isrc/big"
	ft_mount "$isrc" "$inner" --stall=0
	idx=$(ft__index "$inner"); ipid=${FT_PIDS[idx]}
	ft_mount "$inner" "$mnt" --stall=1s
	DLOG=${FT_LOGS[-1]}
	idx=$(ft__index "$mnt"); opid=${FT_PIDS[idx]}
	pipes() { find "/proc/$opid/fd" -lname 'pipe:*' | wc -l; }
	before=$(pipes)
	cmp "$mnt/warm" "$isrc/warm" || ft_fail "a read through both mounts differs from the file"
	after=$(pipes)
	# libfuse opens a pipe per thread on its first spliced reply.
	[ "$after" -gt "$before" ] || ft_fail "no splice pipe in the daemon after a 4 MiB read ($before, then $after pipes)"
	echo "ok: READ replies are spliced while the watchdog runs ($before, then $after pipes in the daemon)"
	ready=$FT_ROOT/ready go=$FT_ROOT/go
	# No child processes: each would FLUSH the file on exit.
	client python3 -c "
import os, time, sys
fd = os.open('$mnt/big', os.O_RDONLY)
open('$ready', 'w').close()
while not os.path.exists('$go'):
    time.sleep(0.02)
got = len(os.read(fd, 1048576))
sys.exit(0 if got == 1048576 else 1)"
	deadline=$(($(now_ms) + 10000))
	until [ -e "$ready" ]; do
		[ "$(now_ms)" -lt "$deadline" ] || ft_fail "the client did not open the file within 10 s"
		sleep 0.02
	done
	STOPPED=$ipid; kill -STOP "$ipid"
	touch "$go"
	rin=$(realpath "$inner")
	wait_log "$DLOG" "^fusetrace: stall: READ request [0-9]+ from pid [0-9]+ has waited [0-9.]+ s; thread [0-9]+ is in splice\(fd [0-9]+ $rin/big, arg (0|0x[0-9a-f]+)\) since [0-9.]+ s" \
		10 "stderr: the READ stuck in the splice from the source file"
	kill -CONT "$ipid"; STOPPED=
	client_done 0
	wait_log "$DLOG" "^fusetrace: stall ended: READ request [0-9]+ after [0-9.]+ s \(replied\)$" 10 \
		"stderr: the spliced reply ended the stall"
	ft_umount "$mnt" || ft_fail "unmount"
	grep 'stall' "$DLOG"
	expect "stalls ended without a reply" "$(grep -c 'released without a reply' "$DLOG")" 0
	expect "every reported stall ended" "$(grep -c '^fusetrace: stall ended' "$DLOG")" \
		"$(grep -c '^fusetrace: stall: ' "$DLOG")"
	ft_umount "$inner" || ft_fail "unmount of the inner mount"
	;;

off)
	for bad in abc -1s 50ms 1e30s nan 25h 5x ''; do
		expect_status "--stall=$bad refused" 2 "$FUSETRACE" mount --stall="$bad" "$src" "$mnt"
		grep -q -- "--stall must be 0 (off) or a duration" "$FT_ROOT/last.err" \
			|| ft_fail "no reason for --stall=$bad: $(cat "$FT_ROOT/last.err")"
		[ "$(wc -l < "$FT_ROOT/last.err")" = 2 ] \
			|| ft_fail "--stall=$bad: more than the reason and the hint: $(cat "$FT_ROOT/last.err")"
	done
	expect_status "mount --help" 0 "$FUSETRACE" mount --help
	grep -q -- "--stall=DURATION" "$FT_ROOT/last.out" || ft_fail "mount --help does not document --stall"
	expect_status "record --help" 0 "$FUSETRACE" record --help
	grep -q "Default 5s; 0 turns it off" "$FT_ROOT/last.out" || ft_fail "record --help does not give --stall's default"
	ft_mount "$src" "$mnt" --db "$db" --stall=0
	DLOG=${FT_LOGS[-1]}
	hold flock "$src/file"
	T0=$(now_ms)
	client flock "$mnt/file" -c true
	wait_sql "$db" "SELECT count(*) FROM inflight WHERE op = 'SETLKW'" 1 $((T0 + 2000)) "the blocked SETLKW is in flight"
	# Held for 2 s: twice what --stall=1s needed to report it (case flock).
	sleep 2
	unhold
	client_done 0
	ft_umount "$mnt" || ft_fail "unmount"
	grep -q "stall" "$DLOG" && ft_fail "--stall=0 printed: $(cat "$DLOG")"
	expect "no stall recorded with --stall=0" "$(q "$db" 'SELECT count(*) FROM stall')" 0
	expect "the request took over 2 s" "$(q "$db" "SELECT latency_ns > 2000000000 FROM op WHERE op = 'SETLKW'")" 1
	;;

lttng)
	ft_need_lttng
	# record mounts over DIR itself: the holder takes its lock before.
	hold flock "$src/file"
	log=$out/record.log
	"$FUSETRACE" record --db "$out/A.db" --lttng --lttng-output="$out/T" --stall=1s "$src" -- \
		flock file -c 'echo locked' > "$log" 2>&1 &
	rpid=$!; ft_track_pid "$rpid"
	wait_log "$log" "^fusetrace: stall: SETLKW request [0-9]+ .* is in flock\(" 20 "record: the stall begins"
	unhold
	for ((i = 0; i < 600; i++)); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$rpid" 2>/dev/null && ft_fail "record did not finish within 30 s of the release"
	wait "$rpid"; rc=$?
	[ "$rc" = 0 ] || { cat "$log"; ft_fail "record exited $rc"; }
	grep -q "^locked$" "$log" || ft_fail "the command did not get its lock: $(cat "$log")"
	grep -Eq "^fusetrace: stall ended: SETLKW request [0-9]+ after [0-9.]+ s \(replied\)$" "$log" \
		|| ft_fail "no end line: $(cat "$log")"
	"$FUSETRACE" import "$out/T" "$out/B.db" > "$out/import.log" 2>&1 || { cat "$out/import.log"; ft_fail "import"; }
	"$(ft_python)" "$here/../replay/dbcompare.py" "$out/A.db" "$out/B.db" > "$out/cmp" 2>&1; rc=$?
	cat "$out/cmp"
	[ "$rc" = 0 ] || ft_fail "the imported database differs from the direct recording"
	for t in stall stall_end; do
		grep -Eq "^$t +1 rows / +1 rows  identical" "$out/cmp" || ft_fail "table $t not compared with its row"
	done
	expect "imported stall" "$(q "$out/B.db" 'SELECT op, syscall, end_reason FROM stalls')" "SETLKW|flock|reply"
	;;

*)
	ft_fail "unknown case $CASE"
	;;
esac
release_all
ft_check_no_dstate "stall-$CASE"
echo "stall-$CASE: ok"
