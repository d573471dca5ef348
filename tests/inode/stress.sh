#!/bin/bash
# stress.sh — concurrent lookup/stat/open/read/write/unlink/rename/readdir/
# mkdir/rmdir/link/truncate on a small shared set of names, with a
# drop_caches loop forcing FORGETs, for STRESS_SECONDS (default 30).
#
# Then: the daemon is alive and still serving; the workers saw no error but
# the races' ENOENT/EEXIST/ENOTEMPTY (no EIO, ESTALE, EBADF, ENOTCONN, ...);
# the daemon log has no sanitizer report (run with a TSan build as FUSETRACE,
# or with FT_MOUNT_CMD="valgrind --tool=helgrind ... fusetrace mount" for
# Helgrind); and in the recording nlookup accounting is consistent: per
# nodeid, in table order, NEW/REVIVE/REF deltas minus UNREF deltas equal the
# nlookup recorded with each event and never go negative, a FREE comes at 0,
# nothing happens to a nodeid after its FREE until a REVIVE (the same file
# found again) brings it back, and a nodeid is NEW once.
# Env: STRESS_SECONDS, STRESS_PROCS, STRESS_THREADS, STRESS_MIN_OPS (lower it
# under Helgrind, which slows the daemon ~100x), STRESS_MOUNT_OPTS.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root "drop_caches"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"

SECS=${STRESS_SECONDS:-30}
PROCS=${STRESS_PROCS:-2}
THREADS=${STRESS_THREADS:-2}
STRESS=$(in_helper stress)
src=$(ft_tmpdir); mnt=$(ft_tmpdir); db="$FT_ROOT/stress.db"
mkdir "$src/w"
ft_mount "$src" "$mnt" --db "$db" ${STRESS_MOUNT_OPTS:-}
pid=$(in_pid)

# drop_caches loop: bounded by the same deadline, stops by itself
(
	end=$((SECONDS + SECS))
	n=0
	while [ $SECONDS -lt $end ]; do
		echo 3 >/proc/sys/vm/drop_caches; n=$((n + 1))
		sleep 0.2
	done
	echo "$n" >"$FT_ROOT/drops"
) &
dropper=$!; ft_track_pid "$dropper"
wpids=()
for i in $(seq 1 "$PROCS"); do
	"$STRESS" "$mnt/w" "$SECS" "$THREADS" "$i" >"$FT_ROOT/stress.$i" 2>&1 &
	wpids+=($!); ft_track_pid $!
done
fails=0
for p in "${wpids[@]}"; do wait "$p" || fails=$((fails + 1)); done
wait "$dropper"

total=0 unexpected=0
for i in $(seq 1 "$PROCS"); do
	total=$((total + $(awk '/^ops / { print $2 }' "$FT_ROOT/stress.$i")))
	unexpected=$((unexpected + $(awk '/^unexpected / { print $2 }' "$FT_ROOT/stress.$i")))
done
ft_log "$PROCS processes x $THREADS threads, ${SECS}s, $(cat "$FT_ROOT/drops" 2>/dev/null || echo '?') drop_caches: $total operations, $unexpected unexpected errors"
for i in $(seq 1 "$PROCS"); do sed 's/^/    | /' "$FT_ROOT/stress.$i" >&2; done
echo "stress: $total operations in ${SECS}s ($PROCS x $THREADS workers)"

kill -0 "$pid" 2>/dev/null || ft_fail "the daemon died during the stress run (log: $(ft_daemon_log "$mnt" | tail -5))"
echo alive >"$mnt/after" && [ "$(cat "$mnt/after")" = alive ] && ls "$mnt/w" >/dev/null ||
	ft_fail "the daemon no longer serves after the stress run"
[ "$unexpected" = 0 ] && [ "$fails" = 0 ] || ft_fail "expected no error but ENOENT/EEXIST/ENOTEMPTY races, got $unexpected unexpected errors ($fails workers failed; see above)"
[ "$total" -gt "${STRESS_MIN_OPS:-1000}" ] || ft_fail "expected the workers to do real work (> ${STRESS_MIN_OPS:-1000} operations), only $total"
ft_umount "$mnt" || ft_fail "unmount failed after the stress run"
log=$(ft_daemon_log "$mnt")
if grep -qE 'ThreadSanitizer|AddressSanitizer|LeakSanitizer|runtime error:|Possible data race|lock order .* violated|Helgrind.*ERROR SUMMARY: [1-9]' <<<"$log"; then
	grep -E 'WARNING|ERROR|SUMMARY|Possible|runtime error' <<<"$log" | head -20 | sed 's/^/    | /' >&2
	ft_fail "the daemon log has sanitizer/helgrind reports (expected none)"
fi

in_require_db "$db" "stress"
NEW=$(in_kind NEW) REF=$(in_kind REF) UNREF=$(in_kind UNREF) FREE=$(in_kind FREE) REVIVE=$(in_kind REVIVE)
q() { in_sql "$db" "$1"; }
events=$(q "SELECT count(*) FROM inode_event")
bad=$(q "WITH ev AS (
	   SELECT id, ts, nodeid, nlookup,
	          CASE WHEN kind IN ($NEW, $REF, $REVIVE) THEN delta ELSE -delta END AS d
	   FROM inode_event WHERE kind IN ($NEW, $REF, $UNREF, $REVIVE)),
	 run AS (SELECT id, nodeid, nlookup, sum(d) OVER (PARTITION BY nodeid ORDER BY ts, id) AS s FROM ev)
	 SELECT count(*) || ' e.g. ' || coalesce(min(nodeid || ':' || s || '<>' || nlookup), '-') FROM run WHERE s <> nlookup OR s < 0")
[ "${bad%% *}" = 0 ] || ft_fail "recording: nlookup accounting: expected running sum of REF-UNREF deltas == recorded nlookup and >= 0 for every event, $bad (nodeid:sum<>nlookup)"
# (a FREE at unmount tears down entries the kernel still held: any nlookup)
badfree=$(q "SELECT count(*) FROM inode_event WHERE kind = $FREE AND nlookup <> 0 AND cause <> $(in_cause UNMOUNT)")
[ "$badfree" = 0 ] || ft_fail "recording: expected every FREE by FORGET/BATCH_FORGET/REPLY_FAILED at nlookup 0, $badfree were not"
# at unmount the FREE must carry exactly what the accounting says was left
badunm=$(q "SELECT count(*) FROM inode_event f WHERE f.kind = $FREE AND f.cause = $(in_cause UNMOUNT) AND f.nlookup <>
             (SELECT coalesce(sum(CASE WHEN kind IN ($NEW, $REF, $REVIVE) THEN delta ELSE -delta END), 0) FROM inode_event e
               WHERE e.nodeid = f.nodeid AND e.kind IN ($NEW, $REF, $UNREF, $REVIVE))")
[ "$badunm" = 0 ] || ft_fail "recording: expected each FREE at unmount to carry the remaining nlookup (sum of deltas), $badunm did not"
# A freed nodeid takes no REF/UNREF/FREE until it comes back, and only a
# REVIVE (the same file found again) brings it back, only after a FREE.
life="SELECT kind FROM inode_event p WHERE p.nodeid = e.nodeid AND p.id < e.id
      AND p.kind IN ($NEW, $FREE, $REVIVE) ORDER BY p.id DESC LIMIT 1"
afterfree=$(q "SELECT count(*) FROM inode_event e WHERE e.kind IN ($REF, $UNREF, $FREE) AND ($life) = $FREE")
[ "$afterfree" = 0 ] || ft_fail "recording: expected no REF/UNREF/FREE on a freed nodeid before its REVIVE, got $afterfree"
badrevive=$(q "SELECT count(*) FROM inode_event e WHERE e.kind = $REVIVE AND ($life) IS NOT $FREE")
[ "$badrevive" = 0 ] || ft_fail "recording: expected every REVIVE right after a FREE of its nodeid, $badrevive were not"
dupnew=$(q "SELECT count(*) FROM (SELECT nodeid FROM inode_event WHERE kind = $NEW GROUP BY nodeid HAVING count(*) > 1)")
[ "$dupnew" = 0 ] || ft_fail "recording: expected each nodeid NEW once (never reused), $dupnew were NEW more than once"
nodeids=$(q "SELECT count(DISTINCT nodeid) FROM inode_event WHERE kind = $NEW")
forgets=$(q "SELECT count(*) FROM inode_event WHERE kind = $FREE AND cause IN ($(in_cause FORGET), $(in_cause BATCH_FORGET))")
ft_log "recording: $events inode events, $nodeids nodeids, $forgets freed by forgets: accounting consistent"
echo "stress: PASS"
