# shellcheck shell=bash
# lib.sh — the gauntlet's shared mechanics (source after ../lib/common.sh):
# running a command with a hard bound that notices a hang while it happens
# and frees the hung FUSE mount.  (Processes of the machine left in D state
# after a run are looked for by ft_check_no_dstate, ../lib/common.sh.)
#
# A hung case must never leave the machine wedged: when a bounded command
# overruns, its FUSE connection is aborted through fusectl (which fails every
# request the daemon did not answer, releasing the processes waiting on
# them), then every process of the command's session is killed, and the
# mount is removed if it is still there.  `timeout -s KILL` around the
# command is the last resort should this script itself be killed.

PROCSCAN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/procscan.py
# the gauntlet's own scripts need only the standard library: the system's
# interpreter starts fastest (a version manager's shim on PATH can take half
# a second, and these scripts run several times per run)
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
FUSECTL=/sys/fs/fuse/connections
# the bounded command now running (for the cleanup of an interrupted run)
RUNNING_SID="" RUNNING_MNT="" RUNNING_CONN=""
# how long a process may be stuck (see bounded) before the run counts as hung
STUCK_SECONDS=${STUCK_SECONDS:-$((10 * ${GAUNTLET_TIMEOUT_SCALE:-1}))}

gauntlet_requirements() {
	[ "$(id -u)" = 0 ] || ft_skip "needs root"
	[ -e /dev/fuse ] || ft_skip "needs /dev/fuse"
	[ -n "${FUSETRACE:-}" ] && [ -x "$FUSETRACE" ] || ft_fail "FUSETRACE is not set to the fusetrace binary"
	# fusectl is how a hung mount is freed: without it a hang would wedge
	# the machine, so the gauntlet does not run without it
	grep -q " $FUSECTL fusectl " /proc/self/mounts ||
		ft_fail "fusectl is not mounted on $FUSECTL (tools/start-services.sh mounts it)"
}

now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# fuse_conn PID MNT: the fusectl connection name of the FUSE mount at MNT as
# PID's mount namespace sees it (empty if there is none).  The name is the
# superblock's device number: for FUSE, major 0, so just the minor.  (From
# mountinfo: a stat of MNT would be a request to the mount, which may hang.)
fuse_conn() {
	awk -v m="$2" '
		{ mp = $5; gsub(/\\040/, " ", mp); gsub(/\\134/, "\\", mp)
		  for (i = 6; i <= NF; i++) if ($i == "-") { ty = $(i + 1); break }
		  if (mp == m && ty ~ /^fuse/) { split($3, d, ":"); c = d[1] * 1048576 + d[2] } }
		END { if (c != "") print c }' "/proc/$1/mountinfo" 2>/dev/null
}

# any FUSE mount at MNT in PID's namespace (default: ours)?
fuse_mounted_at() { [ -n "$(fuse_conn "${2:-self}" "$1")" ]; }

# session_stacks SID: state and kernel stack of every thread of every
# process of session SID (evidence of a hang; each read bounded; stat,
# which a stuck exec blocks, is never read)
session_stacks() {
	local p t
	for p in $("$PYTHON" "$PROCSCAN" session "$1"); do
		for t in /proc/"$p"/task/*; do
			echo "  $p/${t##*/} $(cat "$t/comm" 2>/dev/null) $(grep -s '^State:' "$t/status" | cut -f2)"
			timeout -s KILL 2 cat "$t/stack" 2>/dev/null | sed 's/^/      /'
		done
	done
}

# daemon_backtraces SID: if gdb is installed, the user-space backtraces of
# every thread of the fusetrace processes of session SID (a daemon that
# waits on itself shows nothing in D state).  Bounded; the daemon is not in
# D state (attaching to one that is would wait for it).
daemon_backtraces() {
	command -v gdb >/dev/null || return 0
	local p
	for p in $("$PYTHON" "$PROCSCAN" session "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = fusetrace ] || continue
		grep -qs '^State:.*D' "/proc/$p/status" && continue
		echo "  backtraces of fusetrace $p:"
		timeout -s KILL 30 gdb -p "$p" -batch -nx -ex "thread apply all bt" 2>/dev/null |
			grep -E '^(Thread|#)' | sed 's/^/      /'
	done
}

# bounded LABEL SECONDS MNT OUT ERR CMD...: run CMD (stdin /dev/null, stdout
# to OUT, stderr to ERR) in a session of its own.  MNT is the FUSE mount
# CMD makes (or "-").  CMD hangs if it is still running after SECONDS, or
# as soon as one of its processes has been stuck for STUCK_SECONDS (default
# 10; see procscan.py watch: stuck in exec, or in D state without a context
# switch).  Then the processes in D state are listed with their kernel
# stacks, MNT's connection is aborted, CMD's session is killed and MNT
# unmounted.  Sets BOUNDED_STATUS (CMD's exit status), BOUNDED_SECS (wall
# time) and BOUNDED_HUNG (empty, or what hung).
bounded() {
	local label=$1 limit=$2 mnt=$3 out=$4 err=$5; shift 5
	local t0 pid conn="" deadline watcher stuck=$out.stuck
	t0=$(now)
	deadline=$(awk -v a="$t0" -v l="$limit" 'BEGIN { printf "%.3f", a + l }')
	setsid timeout -s KILL $((limit + 60)) "$@" </dev/null >"$out" 2>"$err" &
	pid=$!
	RUNNING_SID=$pid RUNNING_MNT=$mnt RUNNING_CONN=""
	"$PYTHON" "$PROCSCAN" watch "$pid" "${STUCK_SECONDS:-10}" > "$stuck" &
	watcher=$!
	BOUNDED_HUNG=""
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$conn" ] && [ "$mnt" != - ]; then
			conn=$(fuse_conn self "$mnt")
			RUNNING_CONN=$conn
		fi
		if [ -s "$stuck" ]; then
			BOUNDED_HUNG="a process stuck: $(head -1 "$stuck")"
			break
		fi
		if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n >= d) }'; then
			BOUNDED_HUNG="still running after ${limit}s"
			break
		fi
		sleep 0.1
	done
	if [ -n "$BOUNDED_HUNG" ]; then
		ft_log "HANG: $label: $BOUNDED_HUNG; its processes:"
		session_stacks "$pid" >&2
		daemon_backtraces "$pid" >&2
		free_session "$pid" "$mnt" "$conn"
	fi
	wait "$pid"; BOUNDED_STATUS=$?
	BOUNDED_SECS=$(elapsed "$t0" "$(now)")
	if [ -z "$BOUNDED_HUNG" ] && [ -n "$("$PYTHON" "$PROCSCAN" session "$pid")" ]; then
		ft_log "$label: processes left running after it ended; killing them"
		free_session "$pid" - ""
	fi
	# the watcher's reads were released with the session (if it hung)
	kill -KILL "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
	RUNNING_SID=""
	return 0
}

# free_session SID MNT CONN: abort the FUSE connection CONN (if known) and
# give the session's leader 5 s to finish on its own (a recorder should
# notice the abort and close its recording), then kill every process of
# session SID, and unmount MNT if it is still mounted.
free_session() {
	local sid=$1 mnt=$2 conn=$3 p i
	if [ -n "$conn" ] && abort_conn "$conn" "$mnt"; then
		for ((i = 0; i < 50; i++)); do
			kill -0 "$sid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	for i in 1 2 3; do
		[ -n "$("$PYTHON" "$PROCSCAN" session "$sid")" ] || break
		for p in $("$PYTHON" "$PROCSCAN" session "$sid"); do
			kill -KILL "$p" 2>/dev/null
		done
		sleep 1
	done
	[ -n "$("$PYTHON" "$PROCSCAN" session "$sid")" ] &&
		ft_log "processes of session $sid survived SIGKILL: $("$PYTHON" "$PROCSCAN" session "$sid" | tr '\n' ' ')"
	if [ "$mnt" != - ] && fuse_mounted_at "$mnt"; then
		ft_log "unmounting $mnt left behind"
		umount -l "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null
	fi
}

# abort_conn CONN MNT: abort FUSE connection CONN, only if it is still the
# one mounted at MNT.  A connection's number is reused as soon as it is
# free: once our mount is gone, CONN may name another test's mount.  The
# abort file is opened first and the mount checked after: an open abort
# file stays bound to the connection it was opened for (fusectl keeps the
# connection in the file's inode and clears it when the connection ends;
# a write then does nothing), so the write cannot reach a connection other
# than the one seen at MNT.
abort_conn() {
	local conn=$1 mnt=$2 fd
	{ exec {fd}>"$FUSECTL/$conn/abort"; } 2>/dev/null || return 1
	if [ "$(fuse_conn self "$mnt")" != "$conn" ]; then
		ft_log "FUSE connection $conn is no longer the mount at $mnt: not aborted"
		exec {fd}>&-
		return 1
	fi
	ft_log "aborting FUSE connection $conn ($mnt)"
	echo 1 >&"$fd"
	exec {fd}>&-
}

# cleanup for an interrupted run: free what bounded commands left
gauntlet_cleanup() {
	if [ -n "$RUNNING_SID" ] && [ -n "$("$PYTHON" "$PROCSCAN" session "$RUNNING_SID")" ]; then
		free_session "$RUNNING_SID" "$RUNNING_MNT" "$RUNNING_CONN"
	fi
	return 0
}

# ft_init, plus freeing what a bounded command left behind when interrupted
gauntlet_init() {
	ft_init
	trap 'rc=$?; gauntlet_cleanup; (exit $rc); ft_cleanup' EXIT
}

# failures are collected so that every run of a case is reported
FAILURES=()
failed() { ft_log "FAIL: $*"; FAILURES+=("$*"); }
finish() {
	if [ ${#FAILURES[@]} -gt 0 ]; then
		ft_log "${#FAILURES[@]} failure(s):"
		printf '    %s\n' "${FAILURES[@]}" >&2
		exit 1
	fi
}
