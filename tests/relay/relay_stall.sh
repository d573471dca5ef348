#!/bin/bash
# relay_stall.sh — the relay daemon stops answering (SIGSTOP: a network
# partition looks the same) while a host streams to it.
#
# The filesystem keeps serving; at the end record does not wait for the
# relay for ever: it gives up after its bounded waits (15 s to stop, 15 s
# to destroy), says the relay does not answer, and exits 124.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../replay/lib.sh"
. "$here/lib.sh"
relay_test_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
half1=$out/half1-done stalled=$out/relay-stalled
workload='for i in $(seq 1 50); do echo $i > a$i; done; touch "$1"
	for i in $(seq 300); do [ -e "$2" ] && break; sleep 0.1; done
	[ -e "$2" ] || { echo "workload: relay never stopped" >&2; exit 3; }
	for i in $(seq 1 200); do echo $i > b$i; done; cat b* > /dev/null'
host_run hostP "$FUSETRACE" record --db "$out/P.db" --lttng-url="$RELAY_URL" "$dir" \
	-- sh -c "$workload" sh "$half1" "$stalled" > "$out/P.log" 2>&1 &
host=$!
ft_track_pid "$host"
for i in $(seq 300); do [ -e "$half1" ] && break; sleep 0.1; done
[ -e "$half1" ] || { cat "$out/P.log"; ft_fail "the workload's first half did not finish"; }
kill -STOP "$RELAY_PID"
touch "$stalled"
# bounded: 2 x 15 s of waiting for the relay, and the workload
for i in $(seq 900); do kill -0 "$host" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$host" 2>/dev/null; then
	kill -CONT "$RELAY_PID"
	ft_fail "record still waits for the stopped relay after 90 s"
fi
wait "$host"; rc=$?
kill -CONT "$RELAY_PID"
cat "$out/P.log"
expect "record's status (command ok, recording incomplete)" "$rc" 124
grep -q "the relay does not answer" "$out/P.log" || ft_fail "record did not say the relay does not answer"
expect "files written while the relay was stopped" "$(ls "$dir" | grep -c '^b')" 200
expect "local recording status" "$(q "$out/P.db" 'SELECT status FROM session')" complete
ft_check_no_dstate
echo "relay_stall: the host kept serving and record did not wait for the stopped relay"
