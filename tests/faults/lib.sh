# lib.sh — helpers for the fault, bad-input and security tests (source after
# ../lib/common.sh and ft_init).
#
#   fx_init                 replace common.sh's EXIT trap with fx_cleanup, which
#                           also removes the tmpfs/loop mounts made here and any
#                           mount left under $FT_ROOT (a killed `record`), then
#                           runs ft_cleanup
#   fx_tmpfs DIR OPTS       mount a tmpfs with OPTS on DIR, removed at cleanup
#   FX_HOOKS+=(CODE)        run CODE at cleanup, after every mount is gone
#   q DB SQL                first column of the first row (sqlite3)
#   expect / expect_ge      assertion with an "ok:" line
#   fx_drop_caches          sync and drop the kernel's dentry/inode/page caches
#   fx_wait_gone PID SECS   wait for a process we started to end (0 if it did)

FX_TMPFS=()
FX_HOOKS=()        # shell snippets run at cleanup, after the mounts are gone

fx_init() {
	trap 'fx_cleanup' EXIT
}

fx_tmpfs() {
	local dir=$1 opts=$2
	mount -t tmpfs -o "$opts" fusetrace-fx "$dir" || ft_fail "cannot mount a tmpfs ($opts) on $dir"
	FX_TMPFS+=("$dir")
}

fx_umount_tmpfs() {
	local dir=$1 i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		umount "$dir" 2>/dev/null && return 0
		sleep 0.2
	done
	umount -l "$dir" 2>/dev/null
}

fx_cleanup() {
	local rc=$? i p m
	trap - EXIT
	# our own background processes first (records, workloads, holders)
	for p in "${FT_EXTRA_PIDS[@]}"; do
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	done
	for ((i = ${#FT_MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${FT_MOUNTS[i]}
		[ -n "$m" ] && ft_umount "$m" >/dev/null 2>&1
	done
	for p in "${FT_EXTRA_PIDS[@]}"; do
		[ -n "$p" ] || continue
		ft__wait_pid "$p" 30 || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	FT_EXTRA_PIDS=()
	# any FUSE mount still under our root is ours (a `record` we killed): detach it
	if [ -n "$FT_ROOT" ]; then
		awk -v r="$FT_ROOT/" '{ for (i = 6; i <= NF; i++) if ($i == "-") { t = $(i + 1); break }
			if (t ~ /^fuse/ && index($5, r) == 1) print $5 }' /proc/self/mountinfo |
			sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	for ((i = ${#FX_TMPFS[@]} - 1; i >= 0; i--)); do
		fx_umount_tmpfs "${FX_TMPFS[i]}"
	done
	for h in "${FX_HOOKS[@]}"; do eval "$h"; done
	(exit $rc)
	ft_cleanup
}


fx_drop_caches() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
}

fx_wait_gone() {
	ft__wait_pid "$1" $(($2 * 10))
}

# the FUSE connection of the mount at MNT still answers (stat with a deadline)
fx_alive() { timeout 5 stat "$1" >/dev/null 2>&1; }

FX_PY=${PYTHON:-/usr/bin/python3}
[ -x "$FX_PY" ] || FX_PY=$(command -v python3)
