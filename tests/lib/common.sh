# common.sh — shared shell test library for fusetrace (source it, then ft_init).
#
#   . "$(dirname "$0")/../lib/common.sh"
#   ft_init                       # traps EXIT/INT/TERM -> ft_cleanup
#   src=$(ft_tmpdir) mnt=$(ft_tmpdir)
#   ft_mount "$src" "$mnt" --cache=auto
#   ... ; ft_umount "$mnt"
#
# Environment:
#   FUSETRACE       path of the fusetrace binary (required by ft_mount unless
#                   FT_MOUNT_CMD is set)
#   FT_MOUNT_CMD    command used instead of "$FUSETRACE mount"; it is called as
#                   FT_MOUNT_CMD [options...] SOURCE MOUNTPOINT and must stay in
#                   the foreground (e.g. tests/lib/pll-mount.sh for libfuse's
#                   passthrough_ll as a stand-in)
#   FT_FSTYPE       mount type to wait for (default fuse.fusetrace)
#   FT_MOUNT_TIMEOUT seconds to wait for the mount to appear (default 10)
#   FT_KEEP=1       keep the temp root for inspection (mounts are still removed)
#
# Guarantee: a test using this library leaves no mount and no process behind,
# whether it passes, fails, or is interrupted.

. "$(dirname "${BASH_SOURCE[0]}")/../../scenarios/mounts.sh"   # mount_is_at, unmount_at

FT_FSTYPE=${FT_FSTYPE:-fuse.fusetrace}
FT_MOUNT_TIMEOUT=${FT_MOUNT_TIMEOUT:-10}
FT_ROOT=""
FT_MOUNTS=()        # mountpoints this test mounted
FT_PIDS=()          # daemon pids, parallel to FT_MOUNTS
FT_LOGS=()          # daemon stderr logs, parallel to FT_MOUNTS
FT_LOGMNTS=()       # mountpoints, parallel to FT_LOGS (never cleared)
FT_EXTRA_PIDS=()    # other background pids registered with ft_track_pid
FT_DAEMON_FAILURES=()  # daemon exit/sanitizer failures seen by ft_umount

ft_log()  { printf '%s: %s\n' "${FT_NAME:-test}" "$*" >&2; }
ft_fail() { ft_log "FAIL: $*"; exit 1; }
ft_skip() { ft_log "SKIP: $*"; exit 77; }
# ft_need_root [WHY]: skip the test unless it runs as root.
ft_need_root() { [ "$(id -u)" = 0 ] || ft_skip "needs root${1:+ ($1)}"; }
# ft_need_lttng: fail unless lttng-tools is installed and a session daemon
# runs.  Found by /proc/PID/comm, not pgrep: pgrep reads /proc/PID/stat,
# which blocks behind any process of the machine stuck in exec.
ft_need_lttng() {
	command -v lttng >/dev/null || ft_fail "lttng-tools missing"
	grep -qx lttng-sessiond /proc/[0-9]*/comm 2>/dev/null ||
		ft_fail "no lttng-sessiond running (tools/start-services.sh starts one)"
}

# ft_cmdline PID: PID's command line, arguments joined by spaces (what
# ps -o args shows), from /proc/PID/cmdline alone: ps and pgrep also read
# /proc/PID/stat of every process, which waits behind a process stuck in
# exec.
ft_cmdline() { tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline" | sed 's/ *$//'; }

# ft_pids_matching ERE: pids (ascending) of the processes whose command
# line matches ERE, this shell excluded (pgrep -f, without pgrep)
ft_pids_matching() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] || [ "${p#/proc/}" = "$BASHPID" ] && continue
		ft_cmdline "${p#/proc/}" | grep -Eq -- "$1" && echo "${p#/proc/}"
	done | sort -n
}

ft_init() {
	FT_NAME=${FT_NAME:-$(basename "$0")}
	FT_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/fusetrace-test.XXXXXX") || { echo "mktemp failed" >&2; exit 1; }
	chmod 755 "$FT_ROOT"
	trap 'ft_cleanup' EXIT
	trap 'ft_log "interrupted"; exit 130' INT
	trap 'ft_log "terminated"; exit 143' TERM
}

# ft_tmpdir [MODE]: a fresh scratch dir under the per-test root (on ext4 /tmp)
ft_tmpdir() {
	[ -n "$FT_ROOT" ] || ft_fail "ft_tmpdir before ft_init"
	local d
	d=$(mktemp -d "$FT_ROOT/d.XXXXXX") || ft_fail "mktemp under $FT_ROOT"
	chmod "${1:-755}" "$d"
	printf '%s\n' "$d"
}

# is MNT (canonical path) currently a mountpoint of type $FT_FSTYPE?
ft_is_mounted() { mount_is_at "$1" "$FT_FSTYPE"; }

# any mount at MNT, whatever its type
ft_any_mount_at() { mount_is_at "$1"; }

ft_mount_cmd() {
	if [ -n "${FT_MOUNT_CMD:-}" ]; then
		# word-split on purpose: FT_MOUNT_CMD may carry fixed arguments
		# shellcheck disable=SC2206
		FT_CMD=($FT_MOUNT_CMD)
	else
		[ -n "${FUSETRACE:-}" ] || ft_fail "FUSETRACE is not set (path of the fusetrace binary)"
		[ -x "$FUSETRACE" ] || ft_fail "FUSETRACE=$FUSETRACE is not executable"
		FT_CMD=("$FUSETRACE" mount)
	fi
}

# ft_mount SOURCE MNT [options...]: start the daemon in the background and wait
# until MNT is mounted; fail (with the daemon's log) if it exits first.
ft_mount() {
	local src=$1 mnt=$2; shift 2
	[ -d "$src" ] || ft_fail "ft_mount: source $src is not a directory"
	[ -d "$mnt" ] || ft_fail "ft_mount: mountpoint $mnt is not a directory"
	ft_mount_cmd
	local log
	log=$(mktemp "$FT_ROOT/daemon.XXXXXX.log")
	"${FT_CMD[@]}" "$@" "$src" "$mnt" </dev/null >"$log" 2>&1 &
	local pid=$!
	FT_MOUNTS+=("$mnt"); FT_PIDS+=("$pid"); FT_LOGS+=("$log"); FT_LOGMNTS+=("$mnt")
	local i limit=$((FT_MOUNT_TIMEOUT * 20))
	for ((i = 0; i < limit; i++)); do
		if ft_is_mounted "$mnt"; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null; local rc=$?
			ft_log "daemon exited (status $rc) before $mnt was mounted; its log:"
			sed 's/^/    | /' "$log" >&2
			ft_fail "mount of $src on $mnt failed: ${FT_CMD[*]} $* $src $mnt"
		fi
		sleep 0.05
	done
	ft_log "daemon log:"; sed 's/^/    | /' "$log" >&2
	ft_fail "$mnt did not appear as $FT_FSTYPE within ${FT_MOUNT_TIMEOUT}s"
}

# index of MNT in FT_MOUNTS (last match), or empty
ft__index() {
	local i
	for ((i = ${#FT_MOUNTS[@]} - 1; i >= 0; i--)); do
		[ "${FT_MOUNTS[i]}" = "$1" ] && { echo "$i"; return; }
	done
}

# wait up to $2 tenths of a second for pid $1 to exit; 0 if it did
ft__wait_pid() {
	local pid=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	return 1
}

# ft__reap PID TENTHS: wait up to TENTHS tenths of a second for PID (a child
# of this shell) to exit; 0 if it did, with its exit status in FT_STATUS.
ft__reap() {
	local pid=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null; FT_STATUS=$?
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# ft_check_log LOG WHAT: fail (return 1, with the report) if the daemon log LOG
# holds a sanitizer report (ASan/LSan/TSan/MSan, or UBSan's "runtime error:").
ft_check_log() {
	local log=$1 what=$2
	[ -f "$log" ] || return 0
	grep -qE 'Sanitizer|runtime error:' "$log" || return 0
	FT_REPORTED_LOGS="${FT_REPORTED_LOGS:-} $log"
	ft_log "$what: sanitizer report in the daemon's stderr ($log):"
	sed 's/^/    | /' "$log" | head -200 >&2
	return 1
}

# ft_umount [--status=LIST] MNT: unmount, wait for the daemon to exit (bounded:
# FT_UMOUNT_WAIT seconds, default 60), kill it only if it does not.  Returns
# non-zero if the unmount or the daemon misbehaved: still mounted, did not
# exit, exited with a status not in LIST (default 0; comma-separated statuses,
# e.g. 137 for a daemon the test killed with SIGKILL, or "any"), or left a
# sanitizer report on its stderr.  A daemon failure is also remembered in
# FT_DAEMON_FAILURES, so that a test which ignores the return value (or
# leaves the unmount to ft_cleanup) still fails.
ft_umount() {
	local want=0
	case ${1:-} in
	--status=*) want=${1#--status=}; shift ;;
	esac
	local mnt=$1 rc=0 idx pid="" log="" bad=""
	idx=$(ft__index "$mnt")
	[ -n "$idx" ] && { pid=${FT_PIDS[idx]}; log=${FT_LOGS[idx]}; }
	unmount_at "$mnt" || rc=1
	if [ -n "$pid" ]; then
		if ft__reap "$pid" $((${FT_UMOUNT_WAIT:-60} * 10)); then
			if [ "$want" != any ] && [[ ",$want," != *",$FT_STATUS,"* ]]; then
				bad="daemon $pid of $mnt exited with status $FT_STATUS (expected $want)"
			fi
		else
			ft_log "daemon $pid still running ${FT_UMOUNT_WAIT:-60}s after unmount; killing it"
			kill -TERM "$pid" 2>/dev/null
			ft__wait_pid "$pid" 30 || { kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
			bad="daemon $pid of $mnt did not exit after the unmount"
		fi
		FT_PIDS[idx]=""
	fi
	if [ -n "$bad" ]; then
		ft_log "$bad; its log:"
		[ -n "$log" ] && sed 's/^/    | /' "$log" | tail -40 >&2
	fi
	if [ -n "$log" ] && ! ft_check_log "$log" "daemon of $mnt"; then
		bad="${bad:+$bad; }sanitizer report from the daemon of $mnt (log $log)"
	fi
	if [ -n "$bad" ]; then
		FT_DAEMON_FAILURES+=("$bad")
		rc=1
	fi
	[ -n "$idx" ] && FT_MOUNTS[idx]=""
	ft_any_mount_at "$mnt" && { ft_log "$mnt is still mounted"; rc=1; }
	return $rc
}

# ft_forget_daemon MNT: the test has reaped or accounted for the daemon of MNT
# itself (and checked what it wanted); ft_umount and ft_cleanup leave it alone
# except for the sanitizer check of its log, done here.  Returns 1 if the log
# holds a sanitizer report.
ft_forget_daemon() {
	local idx log
	idx=$(ft__index "$1")
	[ -n "$idx" ] || return 0
	log=${FT_LOGS[idx]}
	FT_PIDS[idx]=""; FT_MOUNTS[idx]=""
	if ! ft_check_log "$log" "daemon of $1"; then
		FT_DAEMON_FAILURES+=("sanitizer report from the daemon of $1 (log $log)")
		return 1
	fi
	return 0
}

# daemon log of the (last) mount at MNT, also after it was unmounted
ft_daemon_log() {
	local i
	for ((i = ${#FT_LOGMNTS[@]} - 1; i >= 0; i--)); do
		[ "${FT_LOGMNTS[i]}" = "$1" ] && { cat "${FT_LOGS[i]}"; return; }
	done
}

# register another background pid to be killed at cleanup
ft_track_pid() { FT_EXTRA_PIDS+=("$1"); }

# ft_run CMD...: run CMD in the background and wait for it, so that INT/TERM
# reach our trap at once (bash defers traps while a foreground child runs);
# the child is killed by ft_cleanup if we are interrupted. Returns its status.
ft_run() {
	"$@" &
	local pid=$! rc
	FT_EXTRA_PIDS+=("$pid")
	wait "$pid"; rc=$?
	# wait returns >128 when a trapped signal interrupted it: wait again
	while kill -0 "$pid" 2>/dev/null; do wait "$pid"; rc=$?; done
	return $rc
}

ft_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#FT_MOUNTS[@]} - 1; i >= 0; i--)); do
		local m=${FT_MOUNTS[i]}
		[ -n "$m" ] || continue
		ft_umount "$m" >/dev/null || true
		unmount_at "$m" || true
	done
	for ((i = 0; i < ${#FT_PIDS[@]}; i++)); do
		local p=${FT_PIDS[i]}
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
	done
	for p in "${FT_EXTRA_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
	done
	# every daemon's log, also of those a test reaped itself: no sanitizer
	# report may go unnoticed
	for ((i = 0; i < ${#FT_LOGS[@]}; i++)); do
		[[ " ${FT_REPORTED_LOGS:-} " == *" ${FT_LOGS[i]} "* ]] && continue
		ft_check_log "${FT_LOGS[i]}" "daemon of ${FT_LOGMNTS[i]}" ||
			FT_DAEMON_FAILURES+=("sanitizer report from the daemon of ${FT_LOGMNTS[i]}")
	done
	if [ ${#FT_DAEMON_FAILURES[@]} -gt 0 ]; then
		for p in "${FT_DAEMON_FAILURES[@]}"; do ft_log "FAIL: $p"; done
		[ "$rc" = 0 ] && rc=1
	fi
	if [ -n "$FT_ROOT" ] && [ -d "$FT_ROOT" ]; then
		# never remove through a mount that is still there
		if grep -q " $FT_ROOT/" /proc/self/mountinfo; then
			ft_log "WARNING: a mount under $FT_ROOT remains; not removing it"
			rc=1
		elif [ "${FT_KEEP:-0}" = 1 ]; then
			ft_log "kept $FT_ROOT"
		else
			rm -rf "$FT_ROOT"
		fi
	fi
	exit $rc
}

# ---- assertions shared by the shell tests ---------------------------------

# q DB SQL: the result rows of a query on a recording, '|' separated
q() { sqlite3 -batch -noheader "$1" "$2"; }

# expect NAME OBSERVED EXPECTED
expect() {
	[ "$2" = "$3" ] || ft_fail "$1: expected '$3', observed '$2'"
	echo "ok: $1 = $2"
}

# expect_ge NAME OBSERVED MIN / expect_le NAME OBSERVED MAX
expect_ge() {
	[ "$2" -ge "$3" ] 2>/dev/null || ft_fail "$1: expected >= $3, observed $2"
	echo "ok: $1 = $2 (>= $3)"
}
expect_le() {
	[ "$2" -le "$3" ] 2>/dev/null || ft_fail "$1: expected <= $3, observed $2"
	echo "ok: $1 = $2 (<= $3)"
}

# ---- nothing left stuck ---------------------------------------------------
# A FUSE daemon that waits on its own caller hangs the caller in a FUSE
# request wait, and then anything that reads that caller's /proc entry (ps,
# pgrep: /proc/PID/stat blocks behind a process stuck in exec).  These
# helpers find threads stuck in D state (uninterruptible sleep).  They read
# only /proc/PID/task/TID/status, which no exec or fault holds up, and every
# read is bounded.

# ft__dstate_threads: "pid/tid switches" of every thread of the machine in
# D state now (switches: its voluntary + involuntary context switches);
# status 1 if the reads did not finish within 20 s
ft__dstate_threads() {
	local out
	out=$(timeout -s KILL 20 python3 -c '
import os
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        tasks = os.listdir(f"/proc/{p}/task")
    except OSError:
        continue
    for t in tasks:
        try:
            with open(f"/proc/{p}/task/{t}/status") as f:
                st = dict(l.split(":", 1) for l in f if ":" in l)
        except (OSError, ValueError):
            continue
        if st.get("State", "").split()[:1] == ["D"]:
            sw = sum(int(st.get(k, "0")) for k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))
            print(f"{p}/{t} {sw}")
') || return 1
	[ -z "$out" ] || sort <<<"$out"
}

# ft_stuck_threads: "pid/tid" of every thread in D state in three looks
# 0.5 s apart without a single context switch in between (a thread that
# waits for a disk for a moment is not stuck); status 1 as above
ft_stuck_threads() {
	local seen now round
	seen=$(ft__dstate_threads) || return 1
	for round in 2 3; do
		[ -n "$seen" ] || return 0
		sleep 0.5
		now=$(ft__dstate_threads) || return 1
		seen=$(comm -12 <(echo "$seen") <(echo "$now"))
	done
	[ -z "$seen" ] || awk '{ print $1 }' <<<"$seen"
}

# ft_descends_from PID ANCESTOR: PID is ANCESTOR or below it (PPid from
# /proc/PID/status, which no exec holds up)
ft_descends_from() {
	local p=$1 i
	for ((i = 0; i < 64; i++)); do
		[ "$p" = "$2" ] && return 0
		[ -n "$p" ] && [ "$p" -gt 1 ] 2>/dev/null || return 1
		p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
	done
	return 1
}

# ft_note_stuck_before: remember the threads already stuck when the test
# began (another suite's or session's); ft_check_no_dstate notes them
# instead of failing.  Costs 1 s only when something is in D state.
ft_note_stuck_before() {
	FT_STUCK_BEFORE=$(ft_stuck_threads) || ft_fail "reading /proc/*/task/*/status did not finish within 20 s: a process is stuck"
}

# ft_check_no_dstate [LABEL]: fail if a thread is stuck in D state that was
# not stuck when the test began (ft_note_stuck_before) and that this test
# answers for: a thread of one of its own descendants (the workload, the
# daemon), or any thread stuck reading another process's /proc entry (what
# ps and pgrep do when a daemon deadlocks with an exec).  The machine is
# shared, and other suites park callers on their own mounts on purpose:
# other stuck threads are listed, not failed.
ft_check_no_dstate() {
	local label=${1:-after the test} stuck t pid stack comm bad=
	stuck=$(ft_stuck_threads) || ft_fail "$label: reading /proc/*/task/*/status did not finish within 20 s: a process is stuck"
	for t in $stuck; do
		pid=${t%/*}
		stack=$(timeout -s KILL 2 cat "/proc/$pid/task/${t#*/}/stack" 2>/dev/null | tr '\n' ' ')
		comm=$(cat "/proc/$pid/task/${t#*/}/comm" 2>/dev/null)
		if grep -qxF -- "$t" <<<"${FT_STUCK_BEFORE:-}"; then
			ft_log "note: thread $t ($comm) was stuck before this test began (not ours): $stack"
		elif ft_descends_from "$pid" $$ || [[ "$stack" =~ do_task_stat|proc_pid_|lock_trace ]]; then
			ft_log "thread $t ($comm) stuck in D state: $stack"
			bad+="${bad:+, }$t ($comm)"
		else
			ft_log "note: thread $t ($comm) stuck in D state, not below this test nor in a /proc read (another suite's): $stack"
		fi
	done
	[ -z "$bad" ] || ft_fail "$label: threads stuck in D state: $bad"
	echo "ok: $label: nothing newly stuck in D state"
}
