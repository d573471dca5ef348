#!/bin/bash
# cycles.sh — 200 mount/unmount cycles at one path, under a concurrent
# workload, lose no mount.
#
# Each cycle mounts with `fusetrace mount --daemon` (it returns once the
# mount serves) and a per-cycle fsname, checks that the mount is that
# cycle's and serves, then unmounts from outside (fusermount3 -u -z) without
# waiting for the daemon to go: the next cycle mounts at once, while the
# previous daemon and its unmount guard are still ending.  Meanwhile one
# workload keeps touching the cycled path (whichever mount is there) and
# another keeps a second mount busy.  A guard that took the next cycle's
# mount for its own (the kernel reuses mount ids at once) would make a
# cycle find its mount gone before it unmounted it.  Finally every daemon
# must have exited cleanly.  CYCLES (default 200) sets the count.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init
CYCLES=${CYCLES:-200}

src=$(ft_tmpdir); mnt=$(ft_tmpdir)
src2=$(ft_tmpdir); mnt2=$(ft_tmpdir)
echo data > "$src/data"
ft_mount "$src2" "$mnt2"

# workloads: on the cycled path (errors while it is unmounted are expected)
# and on a steady second mount
( while :; do cat "$mnt/data" "$mnt"/c* >/dev/null 2>&1; ls "$mnt" >/dev/null 2>&1; done ) &
load1=$!; ft_track_pid $load1
( i=0; while :; do i=$((i + 1)); echo "$i" > "$mnt2/w$((i % 20))"; cat "$mnt2"/w* >/dev/null 2>&1; done ) &
load2=$!; ft_track_pid $load2

source_at() {   # the mount source (fsname) of the topmost mount at $1
	awk -v m="$1" '$5 == m { for (i = 6; i <= NF; i++) if ($i == "-") s = $(i + 2) } END { print s }' /proc/self/mountinfo
}

pids=() lost=0
for ((c = 1; c <= CYCLES; c++)); do
	log=$FT_ROOT/cycle$c.log
	"$FUSETRACE" mount --daemon --log "$log" -o "fsname=cycle$c" "$src" "$mnt" ||
		ft_fail "cycle $c: mount --daemon failed: $(cat "$log" 2>/dev/null)"
	pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$log" | tail -1)
	[ -n "$pid" ] || ft_fail "cycle $c: no pid in the daemon's log"
	pids+=("$pid"); ft_track_pid "$pid"
	[ "$(source_at "$mnt")" = "cycle$c" ] || ft_fail "cycle $c: mount --daemon returned, but the mount there is '$(source_at "$mnt")'"
	echo "$c" > "$mnt/c$c" || { lost=$((lost + 1)); echo "cycle $c: write failed"; }
	[ "$(cat "$mnt/c$c" 2>/dev/null)" = "$c" ] || { lost=$((lost + 1)); echo "cycle $c: read back failed"; }
	if [ "$(source_at "$mnt")" != "cycle$c" ]; then
		lost=$((lost + 1))
		echo "cycle $c: the mount was taken away (now '$(source_at "$mnt")')"
		continue
	fi
	# lazily: the workload may hold the mount busy at this very moment
	fusermount3 -u -z "$mnt" || ft_fail "cycle $c: fusermount3 -u -z failed"
done
echo "cycles: $CYCLES mounts at one path, $lost lost"
kill "$load1" "$load2"; wait "$load1" "$load2" 2>/dev/null

# every daemon ends, cleanly (its log says so), and nothing stays mounted
for ((c = 1; c <= CYCLES; c++)); do
	pid=${pids[c - 1]}
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && ft_fail "cycle $c: daemon $pid still running 10 s after its unmount"
	grep -q "unmounted; exiting with status 0" "$FT_ROOT/cycle$c.log" ||
		ft_fail "cycle $c: daemon did not exit cleanly: $(tail -3 "$FT_ROOT/cycle$c.log")"
done
ft_any_mount_at "$mnt" && ft_fail "something is still mounted at $mnt"
ft_umount "$mnt2" || ft_fail "the steady mount's daemon misbehaved"
expect "mounts lost" "$lost" 0
[ "$(ls "$src" | grep -c '^c')" = "$CYCLES" ] || ft_fail "expected $CYCLES files written through the cycles in the source"
echo "cycles: all ok"
