#!/bin/bash
# forget_all.sh — after drop_caches with no open files, the kernel forgets
# every lookup and the table holds only the root.
#
# A tree is walked through the mount (find, stat, read, readdirplus via
# ls -lR), then `sync; echo 3 > /proc/sys/vm/drop_caches` is repeated
# (bounded) until quiescent.  Quiescence is observable without the
# recording: with --handles=never every live entry pins one fd, and with
# --handles=prefer (fd cache larger than the tree) every live entry keeps
# its cached fd, so the daemon is back to its idle fd count exactly when
# every non-root entry was freed.  After the unmount the recording must
# show that every non-root nodeid was FREEd by FORGET or BATCH_FORGET and
# none by UNMOUNT (the table teardown), i.e. nothing was left referenced.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root "drop_caches"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"

src=$(ft_tmpdir)
for d in $(seq 1 30); do
	mkdir -p "$src/d$d/sub"
	for f in $(seq 1 20); do echo "$d/$f" >"$src/d$d/f$f"; done
	echo deep >"$src/d$d/sub/x"
	ln -s f1 "$src/d$d/link"
done
NOBJ=$(find "$src" -mindepth 1 | wc -l)

run() {
	local mode=$1 mnt pid db idle
	mnt=$(ft_tmpdir); db="$FT_ROOT/forget-$mode.db"
	ft_mount "$src" "$mnt" --handles="$mode" --fd-cache=100000 --db "$db"
	pid=$(in_pid)
	idle=$(in_idle_fdcount "$pid" "$mnt")
	local n
	n=$(find "$mnt" -mindepth 1 | wc -l)
	[ "$n" = "$NOBJ" ] || ft_fail "[$mode] find through the mount: expected $NOBJ objects, got $n"
	find "$mnt" -type f -exec cat {} + >/dev/null || ft_fail "[$mode] reading the tree failed"
	find "$mnt" -exec stat {} + >/dev/null || ft_fail "[$mode] stat of the tree failed"
	ls -lR "$mnt" >/dev/null || ft_fail "[$mode] ls -lR failed"
	cat "$mnt"/d*/link >/dev/null || ft_fail "[$mode] reading through symlinks failed"
	local busy
	busy=$(in_fdcount "$pid")
	ft_log "[$mode] after the walk: daemon fds $busy (idle $idle), $NOBJ objects"
	[ "$busy" -gt $((idle + NOBJ / 2)) ] || ft_fail "[$mode] expected the walk to leave the kernel holding most of the $NOBJ inodes (daemon fds > $((idle + NOBJ / 2))), got $busy: the quiescence check would be meaningless"
	if in_drop_caches_until "[ \$(in_fdcount $pid) -le $idle ]" 40; then
		ft_log "[$mode] quiescent after $IN_DROP_ROUNDS drop_caches rounds: daemon fds $(in_fdcount "$pid") (idle $idle)"
	else
		ft_fail "[$mode] after $IN_DROP_ROUNDS rounds of drop_caches the daemon still has $(in_fdcount "$pid") fds, idle was $idle: $(( $(in_fdcount "$pid") - idle )) entries were never forgotten"
	fi
	ft_umount "$mnt" || ft_fail "[$mode] unmount failed"

	in_require_db "$db" "forget_all [$mode]"
	local new freed_forget freed_unmount unfreed neg
	new=$(in_sql "$db" "SELECT count(DISTINCT nodeid) FROM inode_event WHERE kind = $(in_kind NEW) AND nodeid <> 1")
	freed_forget=$(in_sql "$db" "SELECT count(DISTINCT nodeid) FROM inode_event WHERE kind = $(in_kind FREE) AND nodeid <> 1 AND cause IN ($(in_cause FORGET), $(in_cause BATCH_FORGET))")
	freed_unmount=$(in_sql "$db" "SELECT count(*) FROM inode_event WHERE kind = $(in_kind FREE) AND cause = $(in_cause UNMOUNT)")
	unfreed=$(in_sql "$db" "SELECT count(*) FROM (SELECT DISTINCT nodeid FROM inode_event WHERE kind = $(in_kind NEW) AND nodeid <> 1) n WHERE NOT EXISTS (SELECT 1 FROM inode_event f WHERE f.nodeid = n.nodeid AND f.kind = $(in_kind FREE) AND f.cause IN ($(in_cause FORGET), $(in_cause BATCH_FORGET)))")
	ft_log "[$mode] recording: $new non-root nodeids, $freed_forget freed by FORGET/BATCH_FORGET, $freed_unmount freed at unmount, $unfreed never freed by a forget"
	[ "$new" -ge "$NOBJ" ] || ft_fail "[$mode] recording: expected >= $NOBJ NEW nodeids, got $new"
	[ "$freed_unmount" = 0 ] || ft_fail "[$mode] recording: expected 0 FREE with cause UNMOUNT (table should hold only root), got $freed_unmount: $(in_sql "$db" "SELECT group_concat(nodeid) FROM inode_event WHERE kind = $(in_kind FREE) AND cause = $(in_cause UNMOUNT)")"
	[ "$unfreed" = 0 ] || ft_fail "[$mode] recording: expected every non-root nodeid FREEd by FORGET/BATCH_FORGET, $unfreed were not"
	[ "$freed_forget" = "$new" ] || ft_fail "[$mode] recording: expected $new nodeids freed by forgets, got $freed_forget"
	FREED[$mode]=$freed_forget
}

declare -A FREED
run never
run prefer
echo "forget_all: $NOBJ objects; every lookup forgotten before unmount (never: ${FREED[never]} nodeids, prefer: ${FREED[prefer]} nodeids freed by FORGET/BATCH_FORGET)"
echo "forget_all: PASS"
