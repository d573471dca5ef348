# lib.sh — a relay daemon and stand-in hosts for the streaming tests
# (source after tests/lib/common.sh and tests/replay/lib.sh; call after ft_init).
#
# relay_test_init: what every relay test does first: needs root and the
#   LTTng and namespace tools, ft_init, notes the processes already stuck,
#   and starts the relay (relay_start).
# relay_start: a real lttng-relayd on loopback ports of its own, storing
#   under $RELAY_OUT; sets RELAY_PID, RELAY_URL (for --lttng-url) and
#   RELAY_LIVE (its live port).  Killed by PID at cleanup.
# host_run NAME CMD...: run CMD as if on another machine called NAME: in
#   new UTS, mount and PID namespaces, with hostname NAME and a session
#   daemon of its own (private /run/lttng and /dev/shm, so that fusetrace's
#   tracer registers with it).  The relay names the host's sessions
#   NAME/SESSION-DATETIME, as it would a remote machine's.  When CMD ends,
#   the namespace's init exits and the kernel kills everything left in it
#   (session and consumer daemons included).

# free_ports N: N loopback TCP ports nobody listens on right now
free_ports() {
	"$(ft_python)" - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# port_listens PORT: something accepts connections on 127.0.0.1:PORT
port_listens() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

relay_start() {
	RELAY_OUT=${RELAY_OUT:-$(ft_tmpdir 700)}
	local try ports c d l i
	for try in 1 2 3; do
		ports=$(free_ports 3) || ft_fail "cannot pick free ports"
		read -r c d l <<<"$ports"
		lttng-relayd -C "tcp://127.0.0.1:$c" -D "tcp://127.0.0.1:$d" -L "tcp://127.0.0.1:$l" \
			-o "$RELAY_OUT" >"$FT_ROOT/relayd.$try.log" 2>&1 &
		RELAY_PID=$!
		ft_track_pid "$RELAY_PID"
		for ((i = 0; i < 100; i++)); do
			kill -0 "$RELAY_PID" 2>/dev/null || break
			if port_listens "$c" && port_listens "$d" && port_listens "$l"; then
				RELAY_URL="net://127.0.0.1:$c:$d"
				RELAY_LIVE="net://127.0.0.1:$l"
				echo "relay: lttng-relayd pid $RELAY_PID, $RELAY_URL, live $RELAY_LIVE"
				return 0
			fi
			sleep 0.1
		done
		kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null
		ft_log "lttng-relayd did not listen on $c/$d/$l (try $try):"; cat "$FT_ROOT/relayd.$try.log" >&2
	done
	ft_fail "cannot start lttng-relayd"
}

relay_test_init() {
	local p
	ft_need_root "namespaces, session daemons"
	for p in lttng lttng-relayd lttng-sessiond babeltrace2 unshare sqlite3; do
		command -v "$p" >/dev/null || ft_fail "$p missing"
	done
	ft_init
	ft_note_stuck_before
	relay_start
}

# live_wait_rows DB SQL MIN LOG WHAT: wait (at most 30 s) until the live
# import's database DB answers SQL with at least MIN, as it catches up with
# the relay (it polls it, and lags behind the relay's disk on a loaded
# machine); on timeout show LOG and fail, naming WHAT.
live_wait_rows() {
	local db=$1 sql=$2 min=$3 log=$4 what=$5 n=0 i
	for i in $(seq 300); do
		[ -e "$db" ] && n=$(q "$db" "$sql" 2>/dev/null)
		[ "${n:-0}" -ge "$min" ] && return 0
		sleep 0.1
	done
	cat "$log"
	ft_fail "the live database never showed $what (${n:-0} < $min)"
}

relay_kill() {
	kill -KILL "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	return 0
}

host_run() {
	local name=$1; shift
	# timeout: no test waits for ever on a host that hangs
	timeout --kill-after=10 120 unshare --mount --uts --pid --fork --kill-child --mount-proc \
		bash -c '
		set -e
		mount -t tmpfs -o mode=0755 fusetrace-test-host /run/lttng
		mount -t tmpfs -o mode=1777 fusetrace-test-host /dev/shm
		hostname "$1"; shift
		lttng-sessiond --quiet &
		for i in $(seq 100); do lttng list >/dev/null 2>&1 && break; sleep 0.1; done
		lttng list >/dev/null 2>&1 || { echo "host: no session daemon" >&2; exit 125; }
		set +e
		"$@"
		' host "$name" "$@"
}

# relay_session_dir HOST: the one session directory the relay stored for HOST
relay_session_dir() {
	local d
	d=$(find "$RELAY_OUT/$1" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
	[ -n "$d" ] && [ "$(printf '%s\n' "$d" | wc -l)" = 1 ] ||
		ft_fail "relay holds no single session for host $1: $(find "$RELAY_OUT" -maxdepth 2 | tr '\n' ' ')"
	printf '%s\n' "$d"
}
