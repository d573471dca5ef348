#!/bin/bash
# create_race.sh — many processes open(O_CREAT) one new name at once.
#
# Per round, through the mount (N processes released by one barrier):
#  plain  O_CREAT|O_WRONLY: all succeed, all on the same inode; in the
#         recording exactly one fh_event CREATE has created=1, every other
#         fh of that file has created=0;
#  excl   O_CREAT|O_EXCL: exactly one succeeds, the others get EEXIST;
#  ext    plain, plus an external creator opening the same name in the
#         source directory in the same race: all succeed, one inode, every
#         record written lands in the one file; at most one created=1;
#  extx   O_EXCL on both sides: exactly one of the N+1 succeeds, the rest
#         get EEXIST; created=1 only if the winner was on the mount side.
# No error other than EEXIST (with O_EXCL) is accepted anywhere.
set -u
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
ft_init
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"

N=${CREATE_RACE_PROCS:-16}
ROUNDS=${CREATE_RACE_ROUNDS:-8}
RACE=$(in_helper create_race)
src=$(ft_tmpdir); mnt=$(ft_tmpdir); db="$FT_ROOT/race.db"
mkdir "$src/dir"
ft_mount "$src" "$mnt" --db "$db"

# race NAME OUT [args...]: run the helper, keep its output in OUT
race() { local out=$1; shift; "$RACE" "$@" >"$out" || ft_fail "create_race $* exited with an error"; }
count() { grep -c "$1" "$2"; }

declare -A WINNER_EXT
for r in $(seq 1 "$ROUNDS"); do
	# plain
	o="$FT_ROOT/p$r.out"; race "$o" "$N" "$mnt/dir/p$r"
	ok=$(count ' ok ' "$o")
	[ "$ok" = "$N" ] || ft_fail "round $r plain: expected $N/$N opens to succeed, got $ok: $(grep err "$o" | sort | uniq -c | tr '\n' ' ')"
	inos=$(awk '$2 == "ok" { print $3 }' "$o" | sort -u | wc -l)
	[ "$inos" = 1 ] || ft_fail "round $r plain: expected all $N fds on one inode, saw $inos inode numbers"
	[ "$(awk '$2 == "ok" { print $3 }' "$o" | head -1)" = "$(stat -c %i "$src/dir/p$r")" ] || ft_fail "round $r plain: the fds' inode is not the source file's"
	recs=$(tr -d '\0' <"$src/dir/p$r" | grep -c '^c')
	[ "$recs" = "$N" ] || ft_fail "round $r plain: expected the $N records in the one file, found $recs"

	# excl
	o="$FT_ROOT/x$r.out"; race "$o" -x "$N" "$mnt/dir/x$r"
	ok=$(count ' ok ' "$o"); ee=$(count ' err EEXIST' "$o")
	[ "$ok" = 1 ] && [ "$ee" = $((N - 1)) ] || ft_fail "round $r excl: expected 1 success and $((N - 1)) EEXIST, got $ok successes, $ee EEXIST, other: $(grep err "$o" | grep -v EEXIST | tr '\n' ' ')"

	# plain with an external creator in the source
	o="$FT_ROOT/e$r.out"; race "$o" "$N" "$mnt/dir/e$r" "$src/dir/e$r"
	ok=$(count ' ok ' "$o")
	[ "$ok" = $((N + 1)) ] || ft_fail "round $r ext: expected all $((N + 1)) opens (incl. the external one) to succeed, got $ok: $(grep err "$o" | tr '\n' ' ')"
	inos=$(awk '$2 == "ok" { print $3 }' "$o" | sort -u | wc -l)
	[ "$inos" = 1 ] || ft_fail "round $r ext: expected one inode for mount and source sides, saw $inos"
	recs=$(tr -d '\0' <"$src/dir/e$r" | grep -c '^c')
	[ "$recs" = $((N + 1)) ] || ft_fail "round $r ext: expected $((N + 1)) records in the one file, found $recs"

	# O_EXCL on both sides
	o="$FT_ROOT/y$r.out"; race "$o" -x "$N" "$mnt/dir/y$r" "$src/dir/y$r"
	ok=$(count ' ok ' "$o"); ee=$(count ' err EEXIST' "$o")
	[ "$ok" = 1 ] && [ "$ee" = "$N" ] || ft_fail "round $r extx: expected 1 success and $N EEXIST, got $ok successes, $ee EEXIST, other: $(grep err "$o" | grep -v EEXIST | tr '\n' ' ')"
	WINNER_EXT[$r]=$(grep -q "^$N ok" "$o" && echo 1 || echo 0)
done
ext_wins=0; for r in "${!WINNER_EXT[@]}"; do ext_wins=$((ext_wins + WINNER_EXT[$r])); done
ft_log "$ROUNDS rounds x $N processes: plain/excl/ext/extx all consistent; the external O_EXCL creator won $ext_wins of $ROUNDS extx rounds"
ft_umount "$mnt" || ft_fail "unmount failed"

in_require_db "$db" "create_race"
fhq() {   # fhq NAME COND: count fh events of the nodeid(s) named NAME matching COND
	in_sql "$db" "SELECT count(*) FROM fh_event f JOIN fh_kind_name k ON k.kind = f.kind
	               WHERE f.nodeid IN (SELECT nodeid FROM inode_event WHERE name = '$1' AND kind = $(in_kind NEW) AND parent <> 0)
	                 AND $2"
}
for r in $(seq 1 "$ROUNDS"); do
	c1=$(fhq "p$r" "k.name = 'CREATE' AND f.created = 1"); all=$(fhq "p$r" "k.name IN ('CREATE','OPEN')"); c0=$(fhq "p$r" "k.name IN ('CREATE','OPEN') AND f.created = 0")
	[ "$c1" = 1 ] && [ "$all" = "$N" ] && [ "$c0" = $((N - 1)) ] || ft_fail "recording, round $r plain: expected 1 CREATE with created=1 and $((N - 1)) fhs with created=0 ($N in all), got created=1: $c1, created=0: $c0, all: $all"
	c1=$(fhq "x$r" "k.name = 'CREATE' AND f.created = 1")
	[ "$c1" = 1 ] || ft_fail "recording, round $r excl: expected 1 CREATE with created=1, got $c1"
	c1=$(fhq "e$r" "k.name IN ('CREATE','OPEN') AND f.created = 1"); all=$(fhq "e$r" "k.name IN ('CREATE','OPEN')")
	[ "$c1" -le 1 ] && [ "$all" = "$N" ] || ft_fail "recording, round $r ext: expected at most 1 created=1 among $N fhs, got $c1 among $all"
	c1=$(fhq "y$r" "k.name IN ('CREATE','OPEN') AND f.created = 1"); want=$((1 - WINNER_EXT[$r]))
	[ "$c1" = "$want" ] || ft_fail "recording, round $r extx: external winner=${WINNER_EXT[$r]}, expected $want created=1 on the mount side, got $c1"
done
echo "create_race: $ROUNDS rounds x $N processes (+1 external): PASS"
