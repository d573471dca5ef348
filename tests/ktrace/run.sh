#!/bin/bash
# tests/ktrace/run.sh CASE — the kernel's side of every request
# (--kernel-trace), on real mounts with the real tracefs events.  Other
# tests may run fusetrace at the same time and have tracefs instances of
# their own: every check here looks at its own daemon's instance only
# (instances/fusetrace-PID).
#
#   split       --threads=1, 1, 2 then 8 processes doing stat in a loop:
#               every request has a queue time > 0, the queue time grows
#               with the number of callers, and total = queue + daemon +
#               return (within 1 us) for every request with both sides
#   sides       a scripted workload under `record`: the kernel-side count
#               equals the daemon-side count except the requests one side
#               has and the other has not, listed by kind (FORGETs, which
#               the kernel does not trace; requests the kernel ended itself
#               when the connection went away)
#   withdrawn   --threads=1 and the one daemon thread blocked (an open
#               waits on a lease held on the source): a second caller's
#               request is shown queued in the kernel (`inflight`) while the
#               session is live; SIGINT kills the caller and the request is
#               recorded as sent and withdrawn by the kernel, never read by
#               the daemon
#   two-mounts  two fusetrace mounts at once each record only their own
#               connection
#   off         --kernel-trace=off leaves tracefs alone: the daemon, run
#               under strace, makes no file or mount syscall that names
#               tracefs (no instance made, none removed, nothing mounted);
#               the session says daemon side only
#   kill9       kill -9 of the daemon leaves its instance; the next start
#               removes it, and leaves alone the instance of a process that
#               still runs and one that is not fusetrace's
#   overrun     a kernel buffer too small for the load: its losses are
#               counted (session row, loss rows, stderr, record exits 124)
#   args        bad --kernel-trace values and `on` without a recording are
#               refused (exit 2) before anything is mounted or created
#   waiting     the connection's fusectl `waiting` count, sampled on the
#               watchdog's tick into the counter track fuse_waiting (with
#               --kernel-trace=off: it needs no tracefs): the one daemon
#               thread blocked and 4 callers queued behind it show as a
#               count of at least 5 while the session is live, back to 0
#               once they are answered; in the Perfetto export
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
CASE=${1:?usage: run.sh CASE}
ft_need_root "tracefs"
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"
command -v sqlite3 > /dev/null || ft_fail "sqlite3 missing"
TR=/sys/kernel/tracing
[ "$CASE" = waiting ] || [ -r "$TR/events/fuse/fuse_request_send/format" ] ||
	ft_skip "no fuse trace events in $TR (kernel without them, or tracefs not mounted)"
ft_init
FT_NAME="ktrace-$CASE"

now_ms() { date +%s%3N; }

# the instance of daemon PID
instance() { echo "$TR/instances/fusetrace-$1"; }
# the daemon pid of the last ft_mount
last_pid() { echo "${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}"; }
# the kernel's device number of the mount at MNT (what fusectl and the
# trace events print): major << 20 | minor of its st_dev
kdev_of() { local m n; read -r m n < <(stat -c '%Hd %Ld' "$1"); echo $(((m << 20) | n)); }

# wait_sql DB SQL EXPECTED SECONDS WHAT: poll a live database
wait_sql() {
	local got="" deadline=$(($(now_ms) + $4 * 1000))
	while :; do
		got=$(q "$1" "$2" 2>/dev/null)
		[ "$got" = "$3" ] && { echo "ok: $5"; return 0; }
		[ "$(now_ms)" -ge "$deadline" ] && break
		sleep 0.05
	done
	ft_fail "$5: expected '$3', got '$got' after $4 s"
}

# check_sides DB: every request is seen by both sides except FORGETs
# (daemon only) and requests the kernel ended itself because the connection
# went away (kernel only, ECONNABORTED or ENOTCONN); prints the exceptions
# by kind, and checks that the counts add up.
check_sides() {
	local db=$1
	echo "requests one side saw and the other did not, by kind:"
	q "$db" "SELECT side, kind, op, caller_errno, count(*) FROM request_sides
	         WHERE side <> 'both' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3" | sed 's/^/    /'
	expect "exceptions other than FORGETs and requests ended by the kernel at unmount" \
		"$(q "$db" "SELECT count(*) FROM request_sides WHERE side <> 'both'
		            AND NOT (side = 'daemon' AND kind = 'forget')
		            AND NOT (side = 'kernel' AND kind = 'ended_by_kernel' AND caller_errno IN (103, 107))")" 0
	local kernel daemon both konly donly
	kernel=$(q "$db" 'SELECT count(*) FROM kernel_send')
	daemon=$(q "$db" 'SELECT count(*) FROM request')
	both=$(q "$db" "SELECT count(*) FROM request_sides WHERE side = 'both'")
	konly=$(q "$db" "SELECT count(*) FROM request_sides WHERE side = 'kernel'")
	donly=$(q "$db" "SELECT count(*) FROM request_sides WHERE side = 'daemon'")
	expect "kernel-side count - kernel-only" "$((kernel - konly))" "$both"
	expect "daemon-side count - daemon-only" "$((daemon - donly))" "$both"
	expect "requests seen by both sides with another opcode on one side" \
		"$(q "$db" 'SELECT count(*) FROM request q JOIN kernel_send k USING (unique_id)
		            WHERE q.opcode <> 41 AND q.opcode <> k.opcode')" 0
	echo "ok: kernel side $kernel requests, daemon side $daemon, both $both"
}

# hold_lease FILE READY: a read lease on the source file FILE, held by a
# process of ours ($holder) until it is killed; an open of FILE for writing
# waits on it
hold_lease() {
	python3 "$here/lease.py" "$1" "$2" &
	holder=$!; ft_track_pid "$holder"
	local deadline=$(($(now_ms) + 10000))
	until [ -e "$2" ]; do
		[ "$(now_ms)" -lt "$deadline" ] || ft_fail "the lease holder was not ready within 10 s"
		sleep 0.02
	done
}

check_complete() {
	expect "status" "$(q "$1" 'SELECT status FROM session')" complete
	expect "sides" "$(q "$1" 'SELECT sides FROM session')" daemon+kernel
	expect "kernel events lost" "$(q "$1" 'SELECT kernel_events_lost FROM session')" 0
}

case $CASE in
split)
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
	db=$out/split.db
	ft_mount "$src" "$mnt" --threads=1 --cache=never --db "$db" --kernel-trace=on
	pid=$(last_pid)
	[ -d "$(instance "$pid")" ] || ft_fail "no tracefs instance $(instance "$pid") while mounted"
	kdev=$(kdev_of "$mnt")
	# the same number of stats per phase, by 1, 2 and 8 processes at once
	# (process i of phase n stats its own file cn-i); with nothing cached
	# (--cache=never) each stat is a LOOKUP (revalidating the entry) and a
	# GETATTR
	for n in 1 2 8; do
		for ((i = 0; i < n; i++)); do : > "$src/c$n-$i"; done
	done
	for n in 1 2 8; do
		ft_run timeout -k 5 120 python3 "$here/callers.py" "$mnt/c$n" "$n" $((1600 / n)) ||
			ft_fail "$n callers: stat loop failed"
	done
	ft_umount "$mnt" || ft_fail "unmount"
	[ -d "$(instance "$pid")" ] && ft_fail "the instance $(instance "$pid") outlived the daemon"
	echo "ok: instance fusetrace-$pid removed at the end"
	check_complete "$db"
	expect "connection recorded" "$(q "$db" 'SELECT kernel_connection FROM session')" "$kdev"
	for n in 1 2 8; do
		expect_ge "LOOKUPs of c$n with both sides" "$(q "$db" "SELECT count(*) FROM latency_split s
		           JOIN request q ON q.id = s.request_id WHERE q.name LIKE 'c$n-%' AND s.total_ns IS NOT NULL")" 1600
	done
	expect "requests with both sides whose queue time is not > 0" \
		"$(q "$db" 'SELECT count(*) FROM latency_split WHERE queue_ns IS NOT NULL AND queue_ns <= 0')" 0
	expect "requests with both sides whose return time is < 0" \
		"$(q "$db" 'SELECT count(*) FROM latency_split WHERE return_ns < 0')" 0
	expect "requests with both sides where total != queue + daemon + return (1 us)" \
		"$(q "$db" 'SELECT count(*) FROM latency_split WHERE total_ns IS NOT NULL
		            AND abs(total_ns - (queue_ns + daemon_ns + return_ns)) > 1000')" 0
	expect "requests with a reply and both kernel events but no split" \
		"$(q "$db" 'SELECT count(*) FROM latency_split s JOIN kernel_send k USING (unique_id)
		            JOIN kernel_end e USING (unique_id) WHERE s.reply_ts IS NOT NULL AND s.total_ns IS NULL')" 0
	# median queue time of each phase's LOOKUPs (nearest rank)
	med() {
		q "$db" "WITH l AS (SELECT s.queue_ns AS v FROM latency_split s JOIN request q ON q.id = s.request_id
		                    WHERE q.name LIKE '$1-%' AND s.queue_ns IS NOT NULL)
		         SELECT v FROM l ORDER BY v LIMIT 1 OFFSET (SELECT (count(*) - 1) / 2 FROM l)"
	}
	m1=$(med c1); m2=$(med c2); m8=$(med c8)
	echo "median queue_ns: 1 caller $m1, 2 callers $m2, 8 callers $m8"
	[ "$m8" -gt "$m1" ] || ft_fail "queue time did not grow from 1 to 8 callers ($m1 -> $m8)"
	[ "$m8" -gt "$m2" ] || ft_fail "queue time did not grow from 2 to 8 callers ($m2 -> $m8)"
	echo "ok: queue time grows with the callers"
	peak=$(q "$db" 'SELECT max(depth) FROM kernel_queue')
	expect_ge "peak kernel queue depth" "$peak" 2
	# stats prints the queue-time percentiles per op and the peak depth
	"$FUSETRACE" stats "$db" > "$out/stats" || ft_fail "stats failed"
	sed -n '/^Kernel side/,/^Errors/p' "$out/stats" | sed 's/^/    | /'
	grep -q "^Kernel side  recorded (connection $kdev)" "$out/stats" || ft_fail "stats: no kernel side line"
	grep -q "peak queue depth $peak " "$out/stats" || ft_fail "stats: peak queue depth is not $peak"
	p50=$(q "$db" "SELECT p50_ns FROM per_op_queue WHERE op = 'LOOKUP'")
	p99=$(q "$db" "SELECT p99_ns FROM per_op_queue WHERE op = 'LOOKUP'")
	n=$(q "$db" "SELECT count FROM per_op_queue WHERE op = 'LOOKUP'")
	row=$(sed -n '/^Queue time by op/,/^$/p' "$out/stats" | awk '$1 == "LOOKUP" {print $2}')
	expect "stats: LOOKUPs with a queue time" "$row" "$n"
	echo "ok: LOOKUP queue p50 $p50 ns, p99 $p99 ns"
	# the Perfetto export carries the kernel queue as a counter track (the
	# peak of each millisecond): its peak is the view's
	"$FUSETRACE" export "$db" --format=perfetto -o "$out/trace.json" || ft_fail "export failed"
	expect "the kernel queue counter's peak in the Perfetto export" \
		"$(python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))
print(max(e["args"]["max"] for e in t["traceEvents"] if e.get("ph") == "C" and e.get("name") == "kernel queue"))' "$out/trace.json")" \
		"$peak"
	;;
sides)
	dir=$(ft_tmpdir); out=$(ft_tmpdir)
	db=$out/sides.db
	echo existing > "$dir/exists"
	seq 1 20000 > "$dir/big"
	script='set -e
mkdir -p a/b; echo one > a/b/f; cat a/b/f > /dev/null; ls -la a/b > /dev/null
cp big big2; cmp big big2; mv big2 a/moved; ln a/moved a/hard; ln -s moved a/sym
readlink a/sym > /dev/null; stat a/sym a/hard > /dev/null; chmod 600 a/moved; truncate -s 10 a/moved
setfattr -n user.k -v v a/b/f 2>/dev/null || true; getfattr -d a/b/f > /dev/null 2>&1 || true
ls does-not-exist 2>/dev/null || true; rm -r a; rm exists; ls > /dev/null; sync'
	ft_run timeout -k 5 120 "$FUSETRACE" record --kernel-trace=on --db "$db" "$dir" -- sh -c "$script" \
		> "$out/log" 2>&1 || { cat "$out/log"; ft_fail "record failed"; }
	check_complete "$db"
	check_sides "$db"
	expect_ge "FORGETs listed as daemon-only" \
		"$(q "$db" "SELECT count(*) FROM request_sides WHERE side = 'daemon' AND kind = 'forget'")" 1
	;;
withdrawn)
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
	db=$out/w.db
	echo data > "$src/file"
	ft_mount "$src" "$mnt" --threads=1 --db "$db" --kernel-trace=on
	hold_lease "$src/file" "$out/ready"
	# the daemon's only thread opens file for writing: it waits on the lease
	timeout -k 5 60 sh -c 'echo more >> "$1"' sh "$mnt/file" &
	writer=$!; ft_track_pid "$writer"
	wait_sql "$db" "SELECT count(*) FROM inflight WHERE state = 'serving' AND op = 'OPEN'
	                AND worker IS NOT NULL" 1 10 "the blocked OPEN is in flight, served by a worker"
	# the caller's stat waits on its first request (a LOOKUP of the name, or
	# first a GETATTR revalidating the root, whatever the kernel needs)
	python3 "$here/caller.py" "$mnt/queued-name" &
	caller=$!; ft_track_pid "$caller"
	wait_sql "$db" "SELECT count(*) FROM inflight WHERE state = 'queued' AND pid = $caller
	                AND id IS NULL" 1 10 \
		"the second caller's request is shown queued in the kernel (live)"
	expect "the queued request in request_sides" "$(q "$db" "SELECT r.side || '/' || r.kind
	        FROM request_sides r JOIN kernel_send k USING (unique_id) WHERE k.tid = $caller")" kernel/queued
	kill -INT "$caller"
	wait "$caller"; rc=$?
	expect "the caller died of SIGINT" "$rc" 130
	kill -KILL "$holder"; wait "$holder" 2>/dev/null
	wait "$writer" || ft_fail "the blocked writer failed once the lease was gone"
	stat "$mnt/file" > /dev/null
	ft_umount "$mnt" || ft_fail "unmount"
	check_complete "$db"
	row=$(q "$db" "SELECT r.side, r.kind, r.end_ts IS NULL, r.request_id IS NULL
	               FROM request_sides r JOIN kernel_send k USING (unique_id) WHERE k.tid = $caller")
	expect "the SIGINTed caller's request (sent and withdrawn by the kernel, never read)" \
		"$row" "kernel|withdrawn|1|1"
	expect "requests the daemon read for name queued-name" \
		"$(q "$db" "SELECT count(*) FROM request WHERE name = 'queued-name'")" 0
	check_sides_withdrawn=$(q "$db" "SELECT count(*) FROM request_sides WHERE kind = 'withdrawn'")
	expect "withdrawn requests" "$check_sides_withdrawn" 1
	expect "queued requests at the end" "$(q "$db" "SELECT count(*) FROM inflight WHERE state = 'queued'")" 0
	;;
two-mounts)
	s1=$(ft_tmpdir); m1=$(ft_tmpdir); s2=$(ft_tmpdir); m2=$(ft_tmpdir); out=$(ft_tmpdir)
	ft_mount "$s1" "$m1" --db "$out/one.db" --kernel-trace=on
	p1=$(last_pid)
	ft_mount "$s2" "$m2" --db "$out/two.db" --kernel-trace=on
	p2=$(last_pid)
	k1=$(kdev_of "$m1"); k2=$(kdev_of "$m2")
	[ "$k1" != "$k2" ] || ft_fail "both mounts on one connection number ($k1)"
	[ -d "$(instance "$p1")" ] && [ -d "$(instance "$p2")" ] || ft_fail "each daemon should have its own instance"
	# different work on each, at the same time
	: > "$s1/x-0"; : > "$s1/x-1"
	ft_run timeout -k 5 120 python3 "$here/callers.py" "$m1/x" 2 500 &
	w1=$!
	ft_run timeout -k 5 120 sh -c 'for i in $(seq 1 300); do echo $i > "$1/f$i"; done; rm -f "$1"/f*' sh "$m2" &
	w2=$!
	wait $w1 || ft_fail "workload on mount 1"
	wait $w2 || ft_fail "workload on mount 2"
	ft_umount "$m1" || ft_fail "unmount 1"
	ft_umount "$m2" || ft_fail "unmount 2"
	for x in "one $k1" "two $k2"; do
		set -- $x
		echo "== $1"
		check_complete "$out/$1.db"
		expect "$1: connection" "$(q "$out/$1.db" 'SELECT kernel_connection FROM session')" "$2"
		check_sides "$out/$1.db"
	done
	expect "mount 1 has no CREATE of mount 2" "$(q "$out/one.db" 'SELECT count(*) FROM kernel_send WHERE opcode = 35')" 0
	expect_ge "mount 2 CREATEs" "$(q "$out/two.db" 'SELECT count(*) FROM kernel_send WHERE opcode = 35')" 300
	;;
off)
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
	db=$out/off.db
	command -v strace > /dev/null || ft_skip "strace missing"
	# every file and mount syscall of the daemon and its threads, logged
	# (LeakSanitizer cannot run under ptrace: off for this daemon)
	FT_MOUNT_CMD="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	              strace -f -qq -e trace=%file,mount,umount2 -o $out/strace $FUSETRACE mount" \
		ft_mount "$src" "$mnt" --db "$db" --kernel-trace=off
	spid=$(last_pid)
	read -r pid _ < "/proc/$spid/task/$spid/children"
	[ -n "$pid" ] && [ -d "/proc/$pid" ] || ft_fail "no daemon under strace $spid"
	[ -e "$(instance "$pid")" ] && ft_fail "--kernel-trace=off made the instance $(instance "$pid")"
	echo hi > "$mnt/f"; cat "$mnt/f" > /dev/null
	# nothing of tracefs is open in the daemon
	n=$(ls -l "/proc/$pid/fd" 2> /dev/null | grep -c "$TR")
	expect "tracefs files open in the daemon" "$n" 0
	[ -e "$(instance "$pid")" ] && ft_fail "--kernel-trace=off made the instance $(instance "$pid")"
	ft_umount "$mnt" || ft_fail "unmount"
	expect "sides" "$(q "$db" 'SELECT sides FROM session')" daemon
	expect "why" "$(q "$db" 'SELECT kernel_trace_note FROM session')" "--kernel-trace=off"
	expect "kernel rows" "$(q "$db" 'SELECT (SELECT count(*) FROM kernel_send) + (SELECT count(*) FROM kernel_end)')" 0
	expect "status" "$(q "$db" 'SELECT status FROM session')" complete
	grep -q "/dev/fuse" "$out/strace" || ft_fail "strace did not see the daemon's syscalls"
	# (the dynamic loader opening libtracefs.so is not tracefs)
	pat='/sys/kernel/tracing\|/sys/kernel/debug\|"tracefs"'
	grep "$pat" "$out/strace" | sed 's/^/    | /'
	expect "daemon syscalls naming tracefs" "$(grep -c "$pat" "$out/strace")" 0
	echo "ok: $(wc -l < "$out/strace") file syscalls of the daemon, none on tracefs"
	grep -qi 'kernel side' "$(ft_daemon_log "$mnt" > "$out/log"; echo "$out/log")" &&
		ft_fail "--kernel-trace=off should say nothing about the kernel side: $(cat "$out/log")"
	echo "ok: off is silent"
	;;
kill9)
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
	ft_mount "$src" "$mnt" --db "$out/k1.db" --kernel-trace=on
	pid=$(last_pid)
	inst=$(instance "$pid")
	[ -d "$inst" ] || ft_fail "no instance $inst"
	ls "$mnt" > /dev/null
	kill -KILL "$pid"; wait "$pid" 2>/dev/null
	ft_forget_daemon "$mnt"
	for i in $(seq 1 100); do ft_any_mount_at "$mnt" || break; sleep 0.1; done
	ft_any_mount_at "$mnt" && ft_fail "the mount survived kill -9"
	[ -d "$inst" ] || ft_fail "kill -9 left no instance (it cannot remove its own): $inst"
	echo "ok: kill -9 left $inst"
	# decoys the next start must leave alone: an instance named after a
	# process that runs and was there before it, and one not named after a
	# fusetrace at all
	sleep 120 &
	alive=$!; ft_track_pid "$alive"
	sleep 1.1
	decoy=$TR/instances/fusetrace-$alive
	other=$TR/instances/kside-test-$$
	mkdir "$decoy" "$other" || ft_fail "cannot make the decoy instances"
	FT_HOOK_RM=("$decoy" "$other")
	trap 'rc=$?; rmdir "${FT_HOOK_RM[@]}" 2>/dev/null; (exit $rc); ft_cleanup' EXIT
	ft_mount "$src" "$mnt" --db "$out/k2.db" --kernel-trace=on
	[ -d "$inst" ] && ft_fail "the next start did not remove the stale $inst"
	echo "ok: the next start removed it"
	[ -d "$decoy" ] || ft_fail "the instance of a running process was removed"
	[ -d "$other" ] || ft_fail "an instance not of fusetrace was removed"
	rmdir "$decoy" "$other"
	echo "ok: left alone: an instance of a running process started before it, another program's"
	ft_daemon_log "$mnt" | grep "fusetrace-$pid" | sed 's/^/    | /'
	ft_umount "$mnt" || ft_fail "unmount"
	check_complete "$out/k2.db"
	;;
overrun)
	# A kernel buffer far too small for the load: the events it cannot keep
	# are losses like any other, counted, in the session row and on stderr.
	dir=$(ft_tmpdir); out=$(ft_tmpdir)
	for i in 0 1 2 3 4 5 6 7; do : > "$dir/x-$i"; done
	FUSETRACE_TEST_KTRACE_BUFFER_KB=1 ft_run timeout -k 5 120 "$FUSETRACE" record --kernel-trace=on \
		--cache=never --db "$out/o.db" "$dir" -- python3 "$here/callers.py" x 8 3000 > "$out/log" 2>&1
	rc=$?
	cat "$out/log" | sed 's/^/    | /'
	expect "record's exit status (command ok, recording incomplete)" "$rc" 124
	grep -q "kernel events lost" "$out/log" || ft_fail "no line about the kernel events lost on stderr"
	db=$out/o.db
	klost=$(q "$db" 'SELECT kernel_events_lost FROM session')
	expect_ge "kernel events lost" "$klost" 1
	expect "status" "$(q "$db" 'SELECT status FROM session')" incomplete
	q "$db" 'SELECT incomplete_reason FROM session' | grep -q "kernel events lost" ||
		ft_fail "the incomplete reason does not name the kernel losses: $(q "$db" 'SELECT incomplete_reason FROM session')"
	expect "events lost (lossless mode: only the kernel's)" "$(q "$db" 'SELECT events_lost FROM session')" "$klost"
	expect "loss rows add up" "$(q "$db" 'SELECT sum(events) FROM loss')" "$klost"
	expect "seen = stored + lost" "$(q "$db" 'SELECT events_seen - events_stored - events_lost FROM session')" 0
	expect_ge "requests the kernel side misses (listed as no_kernel_event)" \
		"$(q "$db" "SELECT count(*) FROM request_sides WHERE kind = 'no_kernel_event'")" 1
	;;
args)
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
	"$FUSETRACE" mount --kernel-trace=sometimes --db "$out/a.db" "$src" "$mnt" > "$out/o" 2>&1
	expect "bad value: exit" "$?" 2
	grep -q "kernel-trace must be auto, on or off" "$out/o" || ft_fail "bad value: $(cat "$out/o")"
	"$FUSETRACE" mount --kernel-trace=on "$src" "$mnt" > "$out/o" 2>&1
	expect "on without a recording: exit" "$?" 2
	grep -q "needs a recording" "$out/o" || ft_fail "on without a recording: $(cat "$out/o")"
	[ -e "$out/a.db" ] && ft_fail "a refused mount created its database"
	ft_any_mount_at "$mnt" && ft_fail "a refused mount mounted"
	"$FUSETRACE" mount --help | grep -q -- "--kernel-trace=MODE" || ft_fail "mount --help lacks --kernel-trace"
	"$FUSETRACE" record --help | grep -q -- "--kernel-trace=MODE" || ft_fail "record --help lacks --kernel-trace"
	echo "ok: refused with exit 2 and documented in --help"
	;;
waiting)
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
	db=$out/wait.db
	echo data > "$src/file"
	for i in 1 2 3 4; do : > "$src/c$i"; done
	ft_mount "$src" "$mnt" --threads=1 --db "$db" --kernel-trace=off --cache=never
	# The callers' requests must not wait for each other in the kernel: the
	# lookups of names in one directory are serialised (no parallel dirops),
	# so each caller stats a file whose entry is cached already; with
	# --cache=never, the stat revalidates it (a LOOKUP that takes no lock)
	stat "$mnt"/c1 "$mnt"/c2 "$mnt"/c3 "$mnt"/c4 > /dev/null || ft_fail "stat c1..c4"
	hold_lease "$src/file" "$out/ready"
	wait_sql "$db" "SELECT count(*) > 0 FROM counter WHERE name = 'fuse_waiting'" 1 10 \
		"the waiting count is sampled while the session is live"
	# the daemon's only thread opens file for writing: it waits on the lease
	timeout -k 5 60 sh -c 'echo more >> "$1"' sh "$mnt/file" &
	writer=$!; ft_track_pid "$writer"
	wait_sql "$db" "SELECT count(*) FROM inflight WHERE state = 'serving' AND op = 'OPEN'" 1 10 \
		"the blocked OPEN is in flight"
	callers=()
	for i in 1 2 3 4; do
		timeout -k 5 60 python3 "$here/caller.py" "$mnt/c$i" &
		callers+=($!); ft_track_pid $!
	done
	# the OPEN being served and the 4 callers' requests queued behind it
	wait_sql "$db" "SELECT max(value) >= 5 FROM counter WHERE name = 'fuse_waiting'" 1 10 \
		"the waiting count shows the served request and the 4 queued ones"
	kill -KILL "$holder"; wait "$holder" 2>/dev/null
	wait "$writer" || ft_fail "the blocked writer failed once the lease was gone"
	for c in "${callers[@]}"; do wait "$c" || ft_fail "a queued caller failed"; done
	wait_sql "$db" "SELECT count(*) > 0 FROM counter WHERE name = 'fuse_waiting' AND value = 0
	                AND ts > (SELECT min(ts) FROM counter WHERE name = 'fuse_waiting' AND value >= 5)" 1 10 \
		"the count is back to 0 once every request was answered"
	ft_umount "$mnt" || ft_fail "unmount"
	expect "status" "$(q "$db" 'SELECT status FROM session')" complete
	expect "sides" "$(q "$db" 'SELECT sides FROM session')" daemon
	expect "samples out of time order" "$(q "$db" "SELECT count(*) FROM counter a JOIN counter b
	        ON b.id = a.id + 1 WHERE b.name = a.name AND b.ts <= a.ts")" 0
	expect "counter tracks" "$(q "$db" 'SELECT group_concat(DISTINCT name) FROM counter')" fuse_waiting
	echo "ok: $(q "$db" "SELECT count(*) || ' samples, max ' || max(value) FROM counter")"
	ft_daemon_log "$mnt" > "$out/log"
	grep -q "waiting count is not sampled" "$out/log" && ft_fail "the daemon said: $(cat "$out/log")"
	"$FUSETRACE" export "$db" --format=perfetto -o "$out/trace.json" || ft_fail "export failed"
	expect "fuse_waiting counter events in the Perfetto export" \
		"$(python3 -c 'import json, sys; t = json.load(open(sys.argv[1]))
print(sum(1 for e in t["traceEvents"] if e.get("ph") == "C" and e.get("name") == "fuse_waiting"))' "$out/trace.json")" \
		"$(q "$db" 'SELECT count(*) FROM counter')"
	;;
*)
	ft_fail "unknown case $CASE"
	;;
esac
echo "ktrace-$CASE: ok"
