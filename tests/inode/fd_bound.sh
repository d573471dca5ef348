#!/bin/bash
# fd_bound.sh — the daemon's fd use stays bounded however many inodes the
# kernel holds.  100 000 files; `ulimit -n 512` (soft and hard, so the daemon
# cannot raise it); --fd-cache=64 --threads=4.  find + stat + read of every
# file through the mount must succeed with no error while the daemon's fd
# count, sampled every ~50 ms from /proc/PID/fd, stays within
#     BOUND = idle + fd_cache + 2*threads + SLACK
# where idle is the count right after mounting (stdio, /dev/fuse, source and
# /proc fds, mount fds, inherited fds), 2*threads covers the entries ops
# hold while the cache is full (an fd in use is never evicted, <= 2 inodes
# per op), and SLACK=24 covers the open file / directory handles of the
# walkers (find's open directories, the files cat and stat have open).
# Then the same walk with --handles=never (one pinned O_PATH fd per inode)
# under the same limit must fail (EMFILE/ENFILE in the walk or the log) or
# need far more fds; both maxima are printed.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"

NFILES=${FD_BOUND_FILES:-100000}
FDCACHE=64 THREADS=4 SLACK=24 LIMIT=512
src=$(ft_tmpdir)

t0=$(date +%s.%N)
python3 - "$src" "$NFILES" <<'PY' || ft_fail "creating $NFILES files failed"
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
per = 1000
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // per), "s%d" % (i % per // 250))
    if i % 250 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d" % i), "w") as f:
        f.write("file %d\n" % i)
PY
ft_log "created $NFILES files in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"

ulimit -n $LIMIT || ft_fail "ulimit -n $LIMIT"

# walk MODE: mounts, walks, unmounts; sets MAX, ERRS, NSTAT, NREAD, IDLE
walk() {
	local mode=$1 mnt pid out
	mnt=$(ft_tmpdir)
	ft_mount "$src" "$mnt" --handles="$mode" --fd-cache=$FDCACHE --threads=$THREADS
	pid=$(in_pid)
	IDLE=$(in_idle_fdcount "$pid" "$mnt")
	in_sampler_start "$pid" "$FT_ROOT/max-$mode"
	out="$FT_ROOT/walk-$mode.err"
	local t=$(date +%s.%N)
	# stat every file (lookups + getattr), 4 stat processes in parallel
	NSTAT=$(cd "$mnt" && find . -type f -print0 2>>"$out" | xargs -0 -P 4 -n 1000 stat -c %s 2>>"$out" | wc -l)
	# read every file
	NREAD=$(cd "$mnt" && find . -type f -print0 2>>"$out" | xargs -0 -P 4 -n 1000 cat 2>>"$out" | wc -l)
	in_sampler_stop
	MAX=$(cat "$FT_ROOT/max-$mode")
	ERRS=$(wc -l <"$out")
	ft_log "[$mode] walk took $(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)") s: $NSTAT stat'ed, $NREAD lines read, $ERRS error lines; daemon fds idle $IDLE, max $MAX"
	[ "$ERRS" -eq 0 ] || sed -n '1,5s/^/    | /p' "$out" >&2
	kill -0 "$pid" 2>/dev/null || ft_fail "[$mode] the daemon died during the walk"
	LOGERR=$(grep -ciE 'EMFILE|ENFILE|too many open files' "$(in_log)")
	ft_umount "$mnt" || ft_fail "[$mode] unmount failed"
}

walk prefer
BOUND=$((IDLE + FDCACHE + 2 * THREADS + SLACK))
P_MAX=$MAX
[ "$ERRS" -eq 0 ] || ft_fail "[prefer] expected no error in the walk, got $ERRS error lines (see above)"
[ "$NSTAT" -eq "$NFILES" ] || ft_fail "[prefer] expected $NFILES files stat'ed, got $NSTAT"
[ "$NREAD" -eq "$NFILES" ] || ft_fail "[prefer] expected $NFILES lines read, got $NREAD"
[ "$MAX" -le "$BOUND" ] || ft_fail "[prefer] daemon fd count exceeded the bound: max $MAX > $BOUND (= idle $IDLE + fd-cache $FDCACHE + 2*threads $((2 * THREADS)) + $SLACK)"
[ "$MAX" -gt "$IDLE" ] || ft_fail "[prefer] sampler saw no fd use at all (max $MAX, idle $IDLE): the sampling is broken"

walk never
N_MAX=$MAX
echo "fd_bound: $NFILES files, ulimit -n $LIMIT: prefer --fd-cache=$FDCACHE max $P_MAX fds (bound $BOUND); never max $N_MAX fds, $ERRS walk error lines, $LOGERR EMFILE/ENFILE log lines, $NSTAT stat'ed, $NREAD read"
if [ "$ERRS" -eq 0 ] && [ "$LOGERR" -eq 0 ] && [ "$N_MAX" -le $((BOUND * 4)) ]; then
	ft_fail "[never] expected the walk to fail with EMFILE/ENFILE or to need far more fds than prefer's bound $BOUND; it succeeded with max $N_MAX fds"
fi
echo "fd_bound: PASS"
