#!/bin/bash
# fdlimit.sh — the daemon runs with `ulimit -n 64` (soft and hard, so it
# cannot raise it) and a workload walks a tree of 3000 files (20 dirs x 150):
# find, stat and cat of every file.
#  prefer: the daemon keeps serving — every file read correctly (digest as
#          the source), no error at all, its fd count stays under 64;
#  never:  every remembered inode pins an fd, so it cannot serve the whole
#          tree.  "Reports clearly" means: (1) the client sees only EMFILE/
#          ENFILE (no EIO, no hang, no wrong data: whatever is read is
#          correct); (2) the daemon survives and serves again once the kernel
#          forgets the inodes (drop_caches); (3) the daemon's stderr says,
#          at least once and at most a few times, that it ran out of file
#          descriptors and what to do (--handles=prefer or a higher ulimit).
#  Also checked: prefer with --fd-cache=16 (an fd cache that fits) works.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root "handles need CAP_DAC_READ_SEARCH"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init; fx_init

src=$(ft_tmpdir)
for d in $(seq 1 20); do
	mkdir "$src/d$d"
	for f in $(seq 1 150); do echo "dir $d file $f" > "$src/d$d/f$f"; done
done
want=$(cd "$src" && find . -type f | sort | xargs cat | md5sum)

# mount with the limit applied to the daemon only
limited_mount() {   # limited_mount MNT [options...]
	local mnt=$1; shift
	FT_MOUNT_CMD="$here/ulimit64.sh $FUSETRACE mount" ft_mount "$src" "$mnt" "$@"
	DPID=${FT_PIDS[$((${#FT_PIDS[@]} - 1))]}
	# ft_mount started the wrapper, which exec'd the daemon: same pid
	expect "daemon's fd limit" "$(awk '/Max open files/ {print $4 "/" $5}' /proc/$DPID/limits)" 64/64
}

walk() {   # walk MNT TAG: find + stat + cat everything; errors to $FT_ROOT/TAG.err
	local mnt=$1 tag=$2
	(cd "$mnt" && timeout 120 find . -type f > "$FT_ROOT/$tag.list" 2> "$FT_ROOT/$tag.err"
	 sort "$FT_ROOT/$tag.list" | timeout 120 xargs stat -c '%n %s' > /dev/null 2>> "$FT_ROOT/$tag.err"
	 sort "$FT_ROOT/$tag.list" | timeout 120 xargs cat 2>> "$FT_ROOT/$tag.err" | md5sum > "$FT_ROOT/$tag.md5")
}

maxfds() {   # sample the daemon's fd count while a command runs; print the max
	local pid=$1 max=0 n; shift
	"$@" & local w=$!
	while kill -0 $w 2>/dev/null; do
		n=$(ls /proc/$pid/fd 2>/dev/null | wc -l)
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.05
	done
	wait $w
	echo "$max" > "$FT_ROOT/maxfds"
}

FAILS=()
soft_fail() { ft_log "FAIL (continuing): $*"; FAILS+=("$*"); }

# ---- prefer --------------------------------------------------------------
for variant in "prefer" "prefer-fdcache16"; do
	mnt=$(ft_tmpdir)
	if [ $variant = prefer ]; then limited_mount "$mnt" --handles=prefer
	else limited_mount "$mnt" --handles=prefer --fd-cache=16; fi
	fx_drop_caches
	maxfds "$DPID" walk "$mnt" "$variant"
	nfiles=$(wc -l < "$FT_ROOT/$variant.list")
	nerr=$(wc -l < "$FT_ROOT/$variant.err")
	echo "$variant: $nfiles files found, $nerr errors, daemon fds peak $(cat "$FT_ROOT/maxfds")"
	[ "$nerr" = 0 ] || { head -3 "$FT_ROOT/$variant.err" | sed 's/^/    | /'
		sort "$FT_ROOT/$variant.err" | sed 's/.*: //' | uniq -c | sed 's/^/    | /'; }
	if [ "$nfiles" = 3000 ] && [ "$nerr" = 0 ] && [ "$(cat "$FT_ROOT/$variant.md5")" = "$want" ]; then
		echo "ok: $variant: all 3000 files walked and read correctly under ulimit -n 64"
	else
		soft_fail "$variant: under ulimit -n 64 the walk saw $nfiles/3000 files and $nerr errors (first: $(head -1 "$FT_ROOT/$variant.err"))"
	fi
	fx_alive "$mnt" || soft_fail "$variant: mount no longer answers"
	kill -0 "$DPID" 2>/dev/null || soft_fail "$variant: daemon died"
	ft_umount "$mnt" || soft_fail "$variant: unmount misbehaved"
done

# ---- never ----------------------------------------------------------------
mnt=$(ft_tmpdir)
limited_mount "$mnt" --handles=never
fx_drop_caches
walk "$mnt" never
nfiles=$(wc -l < "$FT_ROOT/never.list")
echo "never: $nfiles files found; client errors by kind:"
sed 's/.*: //' "$FT_ROOT/never.err" | sort | uniq -c | sed 's/^/    | /'
other=$(grep -v 'Too many open files' "$FT_ROOT/never.err" | head -3)
[ -z "$other" ] || soft_fail "never: errors other than EMFILE/ENFILE reached the client: $other"
# whatever was read must be correct: cat each listed file again with the
# fd pressure gone, compare with the source
fx_drop_caches
bad=0
while read -r f; do
	cmp -s "$mnt/$f" "$src/$f" 2>/dev/null || { bad=$((bad + 1)); }
done < <(head -10 "$FT_ROOT/never.list")
[ "$bad" = 0 ] && echo "ok: never: 10 files read back correctly after the kernel forgot the tree" || soft_fail "never: $bad of 10 files read back wrong after drop_caches"
fx_alive "$mnt" || soft_fail "never: the mount no longer answers"
kill -0 "$DPID" 2>/dev/null || soft_fail "never: the daemon died"
cat "$mnt/d3/f7" > "$FT_ROOT/one" 2>&1 || soft_fail "never: cannot read a file after drop_caches: $(cat "$FT_ROOT/one")"
# the log is looked up by mountpoint, which ft_umount forgets: read it first
log=$(ft_daemon_log "$mnt")
ft_umount "$mnt" || soft_fail "never: unmount misbehaved"
echo "never: daemon stderr:"; printf '%s\n' "$log" | head -5 | sed 's/^/    | /'
nmsg=$(printf '%s\n' "$log" | grep -Eci 'file descriptor|fd limit|RLIMIT_NOFILE|open files|ulimit|EMFILE')
if [ "$nmsg" -lt 1 ]; then
	soft_fail "never: clients got EMFILE but the daemon said nothing about running out of file descriptors"
elif [ "$nmsg" -gt 5 ]; then
	soft_fail "never: the daemon repeats its fd-limit message $nmsg times (expected once or a few)"
elif ! printf '%s\n' "$log" | grep -Eqi 'prefer|ulimit|limit'; then
	soft_fail "never: the daemon's fd message gives no hint (--handles=prefer or a higher ulimit -n)"
else
	echo "ok: never: the daemon reports the fd exhaustion"
fi

[ ${#FAILS[@]} = 0 ] || ft_fail "${#FAILS[@]} check(s) failed: ${FAILS[*]}"
echo "fdlimit: serving under ulimit -n 64 as specified"
