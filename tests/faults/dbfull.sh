#!/bin/bash
# dbfull.sh — the database's filesystem fills up mid-session (a 2 MiB tmpfs
# holds the database).  Expected:
#  - the workload runs to completion with the same results as a native run;
#  - stderr carries exactly one warning about the database, and a final
#    "recording incomplete" line;
#  - `record` exits 124 ("recording incomplete") when COMMAND succeeded, and
#    COMMAND's own status (3) when it failed — never confusing the two;
#  - the session row says incomplete with a reason that names the cause, the
#    database passes integrity_check, and sql/stats read it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root "tmpfs, FUSE"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init; fx_init

# A deterministic workload of ~100k events (far more than 2 MiB of
# database): writes, appends, renames, reads; prints a digest of what it saw.
workload='set -e
for i in $(seq 1 1500); do
	echo "line $i" >> "f$((i % 40))"
	cat "f$(((i * 7) % 40))" > /dev/null 2>&1 || true
	if [ $((i % 100)) = 0 ]; then mv "f$((i % 40))" "r$i"; fi
done
mkdir -p d/e; for i in $(seq 1 200); do echo $i > d/e/n$i; done
ls -l --time-style=+ . d/e | awk "{print \$1, \$5, \$NF}" > ../listing.$$
cat * 2>/dev/null | md5sum > ../digest.$$
cat ../listing.$$ ../digest.$$ > "$OUT"; rm -f ../listing.$$ ../digest.$$'

# native run, for the expected results
native=$(ft_tmpdir)/w; mkdir "$native"
(cd "$native" && OUT=$FT_ROOT/native.out sh -c "$workload") || ft_fail "native workload failed"

run_full() {   # run_full TAG EXTRA_SHELL: record the workload with the db on a full fs
	local tag=$1 extra=$2
	local top dir dbfs
	top=$(ft_tmpdir); dir=$top/w; mkdir "$dir"
	dbfs=$(ft_tmpdir); fx_tmpfs "$dbfs" size=2m,mode=0755
	OUT=$FT_ROOT/$tag.out ft_run "$FUSETRACE" record --db "$dbfs/s.db" "$dir" -- \
		sh -c "$workload
$extra" >"$FT_ROOT/$tag.stdout" 2>"$FT_ROOT/$tag.stderr"
	RC=$?
	DB=$dbfs/s.db
	ft_is_mounted "$dir" && ft_fail "$tag: $dir still mounted after record"
	sed 's/^/    | /' "$FT_ROOT/$tag.stderr"
}

# ---- 1. the command succeeds: exit 124 -------------------------------------
run_full ok ""
expect "record exit status (command ok, recording incomplete)" "$RC" 124
cmp -s "$FT_ROOT/native.out" "$FT_ROOT/ok.out" || {
	diff "$FT_ROOT/native.out" "$FT_ROOT/ok.out" | head -20
	ft_fail "the workload's results differ from the native run"
}
echo "ok: workload results identical to the native run"
err=$FT_ROOT/ok.stderr
nwarn=$(grep -ci 'warning' "$err")
expect "warning lines on stderr" "$nwarn" 1
grep -i 'warning' "$err" | grep -Eqi 'full|ENOSPC|space' ||
	ft_fail "the warning does not say the disk is full"
grep -i 'warning' "$err" | grep -qi 'keeps serving\|lost\|discard' ||
	ft_fail "the warning does not say what happens next (serving, events lost)"
grep -qi 'recording incomplete' "$err" || ft_fail "no final 'recording incomplete' line"
expect "stderr lines" "$(grep -vc '^fusetrace: recording to ' "$err")" 2
expect "status" "$(q "$DB" 'SELECT status FROM session')" incomplete
reason=$(q "$DB" 'SELECT incomplete_reason FROM session')
echo "$reason" | grep -Eqi 'full|space' || ft_fail "incomplete_reason does not name the cause: '$reason'"
echo "ok: reason = $reason"
expect_ge "events_lost" "$(q "$DB" 'SELECT events_lost FROM session')" 1
expect "integrity_check" "$(q "$DB" 'PRAGMA integrity_check')" ok
"$FUSETRACE" stats "$DB" > "$FT_ROOT/stats" 2>&1 || { cat "$FT_ROOT/stats"; ft_fail "stats cannot read it"; }
grep -qi incomplete "$FT_ROOT/stats" || ft_fail "stats does not say incomplete"
grep -Eqi 'full|space' "$FT_ROOT/stats" || ft_fail "stats does not give the reason"
"$FUSETRACE" sql "$DB" 'SELECT count(*) FROM op' > /dev/null 2>"$FT_ROOT/sql.err" ||
	{ cat "$FT_ROOT/sql.err"; ft_fail "sql cannot read it"; }
grep -qi incomplete "$FT_ROOT/sql.err" || ft_fail "sql does not note the recording is incomplete"

# ---- 2. the command fails by itself: its status wins ------------------------
run_full fail "exit 3"
expect "record exit status (command exit 3, recording incomplete)" "$RC" 3
cmp -s "$FT_ROOT/native.out" "$FT_ROOT/fail.out" || ft_fail "results differ from the native run (second run)"
expect "status (second run)" "$(q "$DB" 'SELECT status FROM session')" incomplete
expect "warning lines on stderr (second run)" "$(grep -ci warning "$FT_ROOT/fail.stderr")" 1
echo "dbfull: workload unharmed, one warning, 124 vs command status, incomplete with reason"
