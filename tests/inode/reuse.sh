#!/bin/bash
# reuse.sh — inode-number reuse on ext4 must never confuse two files.
#
# prefer (file handles): the kernel holds a nodeid for "old" (looked up by a
# stat), its cached fd is evicted from the small --fd-cache by stat'ing other
# files, so nothing pins the inode; "old" is unlinked in the source and new
# files are created there until ext4 hands out old's inode number again.
# Then, through the mount: the new file's content is served; the kernel's
# still-cached dentry for "old" (--cache=always) does not open the new file;
# and the recording shows a new nodeid and a REUSE_DETECTED event.
# never (pinned O_PATH fds): the same procedure, and the pinned fd keeps the
# inode allocated, so ext4 does not reuse the number within the bound.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root "file handles need CAP_DAC_READ_SEARCH"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
fstype=$(findmnt -n -o FSTYPE -T "$FT_ROOT")
[ "$fstype" = ext4 ] || ft_skip "scratch dir $FT_ROOT is on $fstype, the reuse case needs ext4"

MAX_TRIES=${REUSE_MAX_TRIES:-1000}
FDCACHE=2
declare -A TRIES REUSED

# run MODE: fills TRIES[MODE], REUSED[MODE]; leaves the db at $FT_ROOT/reuse-MODE.db
run() {
	local mode=$1 src mnt db pid
	src=$(ft_tmpdir); mnt=$(ft_tmpdir); db="$FT_ROOT/reuse-$mode.db"
	echo "OLD content" >"$src/old"
	for i in 1 2 3 4 5 6; do echo "evict $i" >"$src/evict$i"; done
	ft_mount "$src" "$mnt" --handles="$mode" --fd-cache=$FDCACHE --cache=always --db "$db"
	pid=$(in_pid)

	local old_ino m_ino
	old_ino=$(stat -c %i "$src/old")
	m_ino=$(stat -c %i "$mnt/old") || ft_fail "[$mode] stat $mnt/old failed"
	[ "$m_ino" = "$old_ino" ] || ft_fail "[$mode] st_ino through the mount: expected $old_ino, got $m_ino"
	# evict old's cached fd: each lookup inserts one fd into the LRU of $FDCACHE
	for i in 1 2 3 4 5 6; do stat "$mnt/evict$i" >/dev/null || ft_fail "[$mode] stat evict$i"; done
	local pins
	pins=$(find "/proc/$pid/fd" -lname "$src/old" 2>/dev/null | wc -l)
	ft_log "[$mode] daemon fds on $src/old after the evicting lookups: $pins"
	if [ "$mode" = prefer ]; then
		[ "$pins" -eq 0 ] || ft_fail "[prefer] expected no daemon fd on old after $((6)) other lookups with --fd-cache=$FDCACHE, found $pins"
	else
		[ "$pins" -ge 1 ] || ft_fail "[never] expected the pinned O_PATH fd on old, found $pins"
	fi

	rm "$src/old"
	local tries=0 reused="" ino
	while [ $tries -lt "$MAX_TRIES" ]; do
		tries=$((tries + 1))
		echo "NEW content $tries" >"$src/new$tries"
		ino=$(stat -c %i "$src/new$tries")
		if [ "$ino" = "$old_ino" ]; then reused="new$tries"; break; fi
	done
	TRIES[$mode]=$tries; REUSED[$mode]=$reused
	ft_log "[$mode] old inode number $old_ino: $([ -n "$reused" ] && echo "reused by $reused after $tries tries" || echo "not reused in $tries tries")"

	if [ "$mode" = prefer ]; then
		[ -n "$reused" ] || ft_fail "[prefer] expected ext4 to reuse inode $old_ino within $MAX_TRIES creates (nothing pins it), it did not"
		local got gotino
		got=$(cat "$mnt/$reused") || ft_fail "[prefer] reading $reused through the mount failed"
		[ "$got" = "NEW content $tries" ] || ft_fail "[prefer] $reused through the mount: expected 'NEW content $tries', got '$got'"
		gotino=$(stat -c %i "$mnt/$reused")
		[ "$gotino" = "$old_ino" ] || ft_fail "[prefer] st_ino of $reused through the mount: expected $old_ino, got $gotino"
		# The kernel still has old's dentry -> old nodeid (cache=always): opening
		# it must not give the new file (expected: ESTALE, the handle is dead).
		local out rc
		out=$(cat "$mnt/old" 2>&1); rc=$?
		ft_log "[prefer] open of the old nodeid (cached dentry 'old'): status $rc, output: $out"
		case $out in *"NEW content"*) ft_fail "[prefer] the old nodeid served the NEW file: '$out'";; esac
		[ $rc -ne 0 ] || ft_fail "[prefer] expected opening the unlinked old file by its dead handle to fail, it gave '$out'"
	else
		[ -z "$reused" ] || ft_fail "[never] expected the pinned fd to keep inode $old_ino allocated, but ext4 reused it for $reused after $tries tries"
		local got out
		got=$(cat "$mnt/new1") || ft_fail "[never] reading new1 through the mount failed"
		[ "$got" = "NEW content 1" ] || ft_fail "[never] new1: expected 'NEW content 1', got '$got'"
		out=$(cat "$mnt/old" 2>&1)
		ft_log "[never] open of the old nodeid (cached dentry 'old'): $out"
		case $out in *"NEW content"*) ft_fail "[never] the old nodeid served a NEW file: '$out'";; esac
	fi
	ft_umount "$mnt" || ft_fail "[$mode] unmount failed"
}

check_db_prefer() {
	local db="$FT_ROOT/reuse-prefer.db" reused=${REUSED[prefer]}
	in_require_db "$db" "reuse [prefer]"
	local n1 n2 nreuse other stale served
	n1=$(in_sql "$db" "SELECT nodeid FROM inode_event WHERE kind = $(in_kind NEW) AND name = 'old'")
	n2=$(in_sql "$db" "SELECT nodeid FROM inode_event WHERE kind = $(in_kind NEW) AND name = '$reused'")
	[ -n "$n1" ] && [ -n "$n2" ] || ft_fail "[prefer] recording: NEW events for 'old' and '$reused' expected, got nodeids '$n1' and '$n2'"
	ft_log "[prefer] recording: old nodeid $n1, $reused nodeid $n2"
	[ "$n2" -gt "$n1" ] || ft_fail "[prefer] recording: expected a new (larger) nodeid for $reused than old's $n1, got $n2"
	nreuse=$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE kind = $(in_kind REUSE_DETECTED) AND nodeid = $n2 AND other_nodeid = $n1")
	[ "$nreuse" = 1 ] || ft_fail "[prefer] recording: expected 1 REUSE_DETECTED event nodeid=$n2 other_nodeid=$n1, got $nreuse ($(in_sql "$db" "SELECT group_concat(nodeid||'/'||other_nodeid) FROM inode_event WHERE kind = $(in_kind REUSE_DETECTED)"))"
	# the old nodeid never served anything after the reuse
	served=$(in_sql "$db" "SELECT count(*) FROM op WHERE nodeid = $n1 AND op IN ('OPEN','READ') AND errno = 0")
	[ "$served" = 0 ] || ft_fail "[prefer] recording: expected no successful OPEN/READ on the old nodeid $n1, got $served"
	stale=$(in_sql "$db" "SELECT group_concat(op || ':' || coalesce(errno_name, errno)) FROM op WHERE nodeid = $n1 AND op = 'OPEN'")
	ft_log "[prefer] recording: OPENs of the old nodeid $n1: $stale"
	case $stale in *ESTALE*) ;; *) ft_fail "[prefer] recording: expected the OPEN of old nodeid $n1 to fail with ESTALE, got '$stale'";; esac
}

check_db_never() {
	local db="$FT_ROOT/reuse-never.db" n
	in_require_db "$db" "reuse [never]"
	n=$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE kind IN ($(in_kind REUSE_DETECTED), $(in_kind HANDLE))")
	[ "$n" = 0 ] || ft_fail "[never] recording: expected no HANDLE/REUSE_DETECTED event with --handles=never, got $n"
}

run prefer
run never
echo "reuse: prefer: inode number reused after ${TRIES[prefer]} tries; never: not reused in ${TRIES[never]} tries (bound $MAX_TRIES)"
check_db_prefer
check_db_never
echo "reuse: PASS"
