#!/bin/bash
# lttng_stale.sh — a recorder killed by SIGKILL leaves its LTTng session
# active in the session daemon (buffers allocated, trace unflushed).  The
# next recorder with --lttng must destroy it and say where its trace is:
#  - the killed recorder's session (fusetrace-PID) is listed until then;
#  - the next recorder names it on stderr and it is gone from `lttng list`;
#  - its trace is kept, made 0600, and babeltrace2 reads the events the
#    killed recorder wrote;
#  - a session named like ours whose process is alive, and a session with
#    another name, are left alone;
#  - the next recorder's own recording is complete.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
command -v babeltrace2 >/dev/null || ft_fail "babeltrace2 missing"
ft_need_lttng
ft_init
out=$(ft_tmpdir); dir1=$(ft_tmpdir); dir2=$(ft_tmpdir)
mine=()
cleanup_sessions() {
	local s
	for s in "${mine[@]}"; do timeout -s KILL 30 lttng destroy "$s" >/dev/null 2>&1; done
}
listed() { timeout -s KILL 20 lttng list 2>/dev/null | grep -qE "^ +[0-9]+\) $1 \["; }

# A live process's name-alike session and a session of another name.
sleep 600 & alive=$!; ft_track_pid "$alive"
for s in "fusetrace-$alive" "lttng-stale-other-$$"; do
	timeout -s KILL 20 lttng create "$s" --output="$out/$s" >/dev/null || ft_fail "lttng create $s"
	mine+=("$s")
done
trap 'rc=$?; cleanup_sessions; (exit $rc); ft_cleanup' EXIT

# The recorder to kill: its command writes files through the mount, says it
# is ready, then waits.
"$FUSETRACE" record --no-db --lttng --lttng-output="$out/killed" "$dir1" -- \
	sh -c 'for i in $(seq 1 100); do echo $i > f$i; done; cat f* > /dev/null; echo $$ > ../ready1; exec sleep 600' \
	> "$out/rec1.log" 2>&1 &
rec=$!; ft_track_pid "$rec"
for i in $(seq 1 300); do [ -s "$(dirname "$dir1")/ready1" ] && break; sleep 0.1; done
[ -s "$(dirname "$dir1")/ready1" ] || { cat "$out/rec1.log"; ft_fail "the first recorder's command did not start"; }
child=$(cat "$(dirname "$dir1")/ready1"); ft_track_pid "$child"
listed "fusetrace-$rec" || ft_fail "the recorder's session fusetrace-$rec is not listed"
kill -KILL "$rec"; wait "$rec" 2>/dev/null
kill -KILL "$child" 2>/dev/null
# the killed daemon's mount goes away with it (its guard); wait for that
for i in $(seq 1 100); do ft_any_mount_at "$dir1" || break; sleep 0.1; done
ft_any_mount_at "$dir1" && { unmount_at "$dir1"; ft_fail "the killed recorder's mount stayed"; }
listed "fusetrace-$rec" || ft_fail "the killed recorder's session is gone before any sweep (nothing to test)"
mine+=("fusetrace-$rec")

# The next recorder sweeps.
"$FUSETRACE" record --no-db --lttng --lttng-output="$out/next" "$dir2" -- \
	sh -c 'echo x > g; cat g > /dev/null' > "$out/rec2.log" 2>&1 ||
	{ cat "$out/rec2.log"; ft_fail "the next recorder failed"; }
cat "$out/rec2.log"
grep -q "destroyed the LTTng session fusetrace-$rec, left active by a recorder that is gone (pid $rec); its trace is in $out/killed" \
	"$out/rec2.log" || ft_fail "the next recorder did not say it destroyed fusetrace-$rec"
listed "fusetrace-$rec" && ft_fail "fusetrace-$rec is still listed after the next recorder"
echo "ok: the killed recorder's session is destroyed and named"
listed "fusetrace-$alive" || ft_fail "fusetrace-$alive (its process runs) was destroyed"
listed "lttng-stale-other-$$" || ft_fail "a session with another name was destroyed"
grep -q "fusetrace-$alive\|lttng-stale-other" "$out/rec2.log" && ft_fail "the next recorder named a session it must leave alone"
echo "ok: a live process's session and another name's session are left alone"

# The killed recorder's trace: kept, 0600, readable, with its events.
bad=$(find "$out/killed" -type f ! -perm 600 | head -3)
[ -z "$bad" ] || ft_fail "the killed recorder's trace files are not 0600: $bad"
babeltrace2 "$out/killed" > "$out/killed.txt" 2> "$out/killed.err" ||
	{ cat "$out/killed.err"; ft_fail "babeltrace2 cannot read the killed recorder's trace"; }
expect_ge "request events in the killed recorder's trace" \
	"$(grep -c ' fusetrace:request: ' "$out/killed.txt")" 200
babeltrace2 "$out/next" > "$out/next.txt" 2> "$out/next.err" ||
	{ cat "$out/next.err"; ft_fail "babeltrace2 cannot read the next recorder's trace"; }
expect_ge "request events in the next recorder's trace" \
	"$(grep -c ' fusetrace:request: ' "$out/next.txt")" 2
grep -q "fusetrace: LTTng trace in $out/next" "$out/rec2.log" || ft_fail "the next recorder did not finish its own trace"
echo "lttng_stale: a killed recorder's session is swept by the next one"
