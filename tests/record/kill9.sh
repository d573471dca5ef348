#!/bin/bash
# kill9.sh — SIGKILL the recording daemon during a busy workload: the mount
# goes away, the database opens, passes integrity_check, reads as incomplete
# to every reader, and holds the events of its committed batches.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
ft_init
src=$(ft_tmpdir); mnt=$(ft_tmpdir); out=$(ft_tmpdir)
ft_mount "$src" "$mnt" --db "$out/k.db"
idx=$((${#FT_PIDS[@]} - 1)); pid=${FT_PIDS[idx]}
( i=0; while :; do echo $i > "$mnt/f$((i % 100))" 2>/dev/null || exit 0; i=$((i + 1)); done ) &
busy=$!; ft_track_pid "$busy"
sleep 1.5
kill -KILL "$pid"
for i in $(seq 1 100); do ft_any_mount_at "$mnt" || break; sleep 0.1; done
ft_any_mount_at "$mnt" && ft_fail "mount still present after kill -9"
wait "$busy" 2>/dev/null
FT_MOUNTS[idx]=""; FT_PIDS[idx]=""

expect "integrity" "$(q "$out/k.db" 'PRAGMA integrity_check')" ok
expect_ge "requests committed before the kill" "$(q "$out/k.db" 'SELECT count(*) FROM request')" 100
"$FUSETRACE" stats "$out/k.db" > "$out/stats" 2>&1 || { cat "$out/stats"; ft_fail "stats cannot read the killed recording"; }
grep -qi "incomplete" "$out/stats" || { cat "$out/stats"; ft_fail "stats does not say incomplete"; }
"$FUSETRACE" sql "$out/k.db" "SELECT count(*) FROM op" > /dev/null || ft_fail "sql cannot read the killed recording"
echo "kill9: database usable and marked incomplete"
