#!/bin/bash
# replay.sh — `fusetrace replay`: each real-workload scenario (git, build,
# untar: scenarios/*/workload.sh) recorded with `fusetrace record`, replayed
# into a fresh directory with --verify (serial, then recorded-overlap order
# at recorded timing scaled x4): no mismatch, and the replayed tree equals
# the recorded session's final tree (names, types, modes, sizes; directory
# sizes excluded).  Then a session that starts from an existing tree (the
# manifest, --snapshot-data): no mismatch, every replayed entry as in the
# source, snapshotted content restored; the same initial tree with one file
# removed before replaying gives the expected mismatches and exit 1.  A
# session with two 0.3 s pauses replayed with --timing=recorded (serial and
# --order=recorded) takes at least 0.8x its recorded span.  Prints
# the replay fidelity per workload (mismatches, elapsed recorded/replayed).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"
command -v git >/dev/null || ft_fail "git missing"
command -v make >/dev/null && command -v cc >/dev/null || ft_fail "make/cc missing"
ft_init
scen=$(cd "$here/../../scenarios" && pwd)
umask 022

# tree DIR: one line per entry below DIR: path, type, mode, size ('-' for
# directories, whose size depends on their block history)
tree() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %m %s\n' | awk '$2 == "d" { $4 = "-" } 1' | LC_ALL=C sort)
}

# record NAME SRC DB [record options...] -- SCRIPT: run SCRIPT in SRC under `fusetrace record`
record() {
	local name=$1 src=$2 db=$3; shift 3
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	(cd / && "$FUSETRACE" record "${opts[@]}" --db "$db" "$src" -- bash "$@") \
		> "$FT_ROOT/$name.record.log" 2>&1 || { cat "$FT_ROOT/$name.record.log"; ft_fail "$name: record failed"; }
	expect "$name: recording status" "$(q "$db" 'SELECT status FROM session')" complete
}

# replay_ok NAME DB TARGET [options...]: replay with --verify, expect no mismatch
replay_ok() {
	local name=$1 db=$2 tgt=$3; shift 3
	"$FUSETRACE" replay --verify "$@" "$db" "$tgt" > "$FT_ROOT/$name.replay.out" 2>&1; local rc=$?
	if [ $rc != 0 ] || ! grep -q '^replay: 0 mismatches' "$FT_ROOT/$name.replay.out"; then
		head -40 "$FT_ROOT/$name.replay.out"
		ft_fail "$name: replay $* exited $rc or reported mismatches"
	fi
	echo "ok: $name: replay $* — $(grep '^replay: elapsed' "$FT_ROOT/$name.replay.out" | sed 's/^replay: //')"
}

fidelity=()
for w in git build untar; do
	src=$(ft_tmpdir); scratch=$(ft_tmpdir); t1=$(ft_tmpdir); t2=$(ft_tmpdir)
	chmod 755 "$src"
	db=$FT_ROOT/$w.db
	export FT_SCRATCH=$scratch FT_SRC=$src FT_SCEN=$scen/$w
	if [ -f "$scen/$w/setup.sh" ]; then
		(cd "$src" && bash "$scen/$w/setup.sh") > "$FT_ROOT/$w.setup.log" 2>&1 || ft_fail "$w: setup failed"
	fi
	record "$w" "$src" "$db" -- -c "cd '$src' && bash '$scen/$w/workload.sh'"
	replay_ok "$w" "$db" "$t1"
	expect "$w: final tree of the serial replay equals the recorded session's" "$(diff <(tree "$src") <(tree "$t1") | head -5)" ""
	expect_ge "$w: entries compared" "$(tree "$src" | wc -l)" 10
	fidelity+=("$w: $(grep -E '^replay: ([0-9]+ mismatches|elapsed)' "$FT_ROOT/$w.replay.out" | sed 's/^replay: //' | tr '\n' ';')")
	replay_ok "$w-concurrent" "$db" "$t2" --order=recorded --timing=scale=4
	expect "$w: final tree of the recorded-order replay equals the recorded session's" "$(diff <(tree "$src") <(tree "$t2") | head -5)" ""
done

# ---- --timing=recorded keeps the recorded gaps ------------------------------
# A small session with two known pauses (sleep 0.3 between three operations):
# replayed at recorded timing, serially and in recorded order, the replay
# takes at least ~0.8x the recorded span of its requests; asap does not wait.
src=$(ft_tmpdir); db=$FT_ROOT/timed.db
record timed "$src" "$db" -- -c "cd '$src' && echo a > x && sleep 0.3 && cat x > /dev/null && sleep 0.3 && echo b >> x && ls > /dev/null"
# the span the replay must honour: first to last replayed request (INIT 26
# and DESTROY 38 are answered by libfuse, not replayed)
span_ms=$(q "$db" 'SELECT (max(ts) - min(ts)) / 1000000 FROM request WHERE opcode NOT IN (26, 38)')
expect_ge "timed: recorded span of the requests (ms)" "$span_ms" 600
now_ms() { echo $(($(date +%s%N) / 1000000)); }
for order in serial recorded; do
	tgt=$(ft_tmpdir)
	t0=$(now_ms)
	replay_ok "timed-$order" "$db" "$tgt" --timing=recorded --order=$order
	took=$(($(now_ms) - t0))
	expect_ge "timed: --timing=recorded --order=$order took (ms)" "$took" $((span_ms * 8 / 10))
	expect "timed: --order=$order final tree" "$(diff <(tree "$src") <(tree "$tgt") | head -5)" ""
done
# replayed_ms NAME: the replay's own measure of its run (ms, integer)
replayed_ms() { sed -n 's/^replay: elapsed: .*replayed \([0-9]*\)\.[0-9]* ms.*/\1/p' "$FT_ROOT/$1.replay.out"; }
for order in serial recorded; do
	expect_ge "timed: replay's own elapsed, --order=$order (ms)" "$(replayed_ms "timed-$order")" $((span_ms * 8 / 10))
done
tgt=$(ft_tmpdir)
replay_ok "timed-asap" "$db" "$tgt" --timing=asap
expect_le "timed: --timing=asap replay's own elapsed (ms), well under the recorded span" "$(replayed_ms timed-asap)" $((span_ms / 2))

# ---- a session that starts from an existing tree ---------------------------
src=$(ft_tmpdir); scratch=$(ft_tmpdir); t1=$(ft_tmpdir); t2=$(ft_tmpdir)
chmod 755 "$src"
mkdir -p "$src/keep/deep" "$src/data" "$src/old"
for i in $(seq 1 12); do seq 1 $((i * 40)) > "$src/data/f$i"; done
printf 'unchanged content\n' > "$src/keep/deep/same.txt"
head -c 100000 /dev/urandom > "$src/data/big.bin"   # larger than the snapshot: a hole after 4 KiB
chmod 640 "$src/data/f1"; chmod 750 "$src/keep"
ln -s ../data/f2 "$src/keep/link"
ln "$src/data/f3" "$src/data/f3.hard"
mkfifo "$src/data/pipe"
printf 'x\n' > "$src/old/a"; printf 'y\n' > "$src/old/b"
cat > "$FT_ROOT/pre.sh" <<'EOF'
set -e
cat data/f2 keep/link data/f3 data/f3.hard keep/deep/same.txt > /dev/null
head -c 10 data/big.bin > /dev/null
ls -l data keep > /dev/null
[ "$(readlink keep/link)" = ../data/f2 ]
echo appended >> data/f4
mv old new && cat new/a > /dev/null
rm data/f5
chmod 600 data/f6
: > data/f7
mkdir made && echo new > made/file && mv made/file made/renamed
ls -lR . > /dev/null
EOF
db=$FT_ROOT/pre.db
record pre "$src" "$db" --snapshot-data=4096 -- -c "cd '$src' && bash '$FT_ROOT/pre.sh'"
expect_ge "pre: manifest rows" "$(q "$db" 'SELECT count(*) FROM manifest')" 15
expect "pre: the symlink's target is in the manifest" "$(q "$db" "SELECT link_target FROM manifest WHERE name = 'link'")" ../data/f2
expect "pre: 4 KiB of big.bin kept" "$(q "$db" "SELECT length(data), size FROM manifest WHERE name = 'big.bin'")" "4096|100000"
expect_ge "pre: plain READDIR entries are recorded with their type" \
	"$(q "$db" "SELECT count(*) FROM dirent WHERE type IS NOT NULL")" 10
replay_ok pre "$db" "$t1"
fidelity+=("pre-existing tree: $(grep -E '^replay: ([0-9]+ mismatches|elapsed)' "$FT_ROOT/pre.replay.out" | sed 's/^replay: //' | tr '\n' ';')")
grep '^replay: initial tree' "$FT_ROOT/pre.replay.out"
# Every replayed entry is in the recorded final tree, alike; what the session
# never touched is not in the manifest, so not replayed.
extra=$(LC_ALL=C comm -13 <(tree "$src") <(tree "$t1"))
expect "pre: replayed entries that differ from the recorded final tree" "$extra" ""
expect_ge "pre: replayed entries" "$(tree "$t1" | wc -l)" 20
for p in data/f4 data/f6 data/f7 data/f3.hard data/pipe keep/link new/a made/renamed data/big.bin; do
	expect "pre: $p replayed like the source" "$(tree "$t1" | grep -F "$p " )" "$(tree "$src" | grep -F "$p ")"
done
[ ! -e "$t1/data/f5" ] && [ ! -e "$t1/old" ] || ft_fail "pre: removed/renamed names still in the replay"
cmp -s "$src/keep/deep/same.txt" "$t1/keep/deep/same.txt" || ft_fail "pre: snapshot content not restored"
expect "pre: hard link kept" "$(stat -c %h "$t1/data/f3")" 2
expect "pre: keep/ has the mode it was found with" "$(stat -c %a "$t1/keep")" 750

# A deliberately altered target: data/f2 missing from the initial tree.
expect_status "setup only" 0 "$FUSETRACE" replay --setup-only "$db" "$t2"
rm "$t2/data/f2"
expect_status "replay onto the altered tree reports mismatches" 1 "$FUSETRACE" replay --no-setup --verify "$db" "$t2"
out=$FT_ROOT/last.out
grep -q 'LOOKUP /data/f2: errno: recorded success, replayed ENOENT' "$out" \
	|| { cat "$out"; ft_fail "the missing file's LOOKUP mismatch was not reported"; }
grep -q 'OPEN /data/f2: errno: recorded success, replayed ESTALE' "$out" \
	|| { cat "$out"; ft_fail "the missing file's OPEN mismatch was not reported"; }
grep -Eq "listing: .* 1 missing, 0 extra \(first: missing '8/f2'" "$out" \
	|| { cat "$out"; ft_fail "the listing mismatch was not reported"; }
n=$(sed -n 's/^replay: \([0-9]*\) mismatches.*/\1/p' "$out")
expect_ge "altered target: mismatches" "$n" 3
echo "ok: altered target: $(grep '^replay: [0-9]* mismatches' "$out")"
# only data/f2's requests and listings of data/ (and the symlink read through it) differ
others=$(grep '^mismatch:' "$out" | grep -v -e '/data/f2' -e 'READDIR.* /data' -e '/keep/link' | head -5)
expect "altered target: mismatches about anything else" "$others" ""

# ---- requests run as their callers -----------------------------------------
# A session on an allow_other mount (permissions checked by the source, as
# the caller) in which uid 1000 creates a file in its own directory and is
# refused one in a root-owned 0775 directory.  Replayed
# by a root process that has supplementary group 0 (setpriv --groups 0):
# each request runs as its recorded caller with that caller's ids and no
# inherited groups, so the refusal is reproduced (with group 0 kept the
# create would succeed) and the created file belongs to uid 1000.
if command -v setpriv > /dev/null; then
	src=$(ft_tmpdir); chmod 755 "$src"; db=$FT_ROOT/ascaller.db; tgt=$(ft_tmpdir)
	mkdir "$src/shared" "$src/mine"; chmod 0775 "$src/shared"; chown 1000:1000 "$src/mine"
	record ascaller "$src" "$db" -o allow_other --no-default-permissions -- -c "cd '$src' &&
		setpriv --reuid 1000 --regid 1000 --clear-groups sh -c 'echo x > mine/f; echo y > shared/g' 2>/dev/null; true"
	[ -e "$src/mine/f" ] && [ ! -e "$src/shared/g" ] || ft_fail "ascaller: the recorded session did not go as planned"
	expect "ascaller: recorded EACCES for uid 1000" \
		"$(q "$db" "SELECT count(*) FROM op WHERE uid = 1000 AND errno_name = 'EACCES'")" 1
	setpriv --groups 0 "$FUSETRACE" replay --verify "$db" "$tgt" > "$FT_ROOT/ascaller.replay.out" 2>&1; rc=$?
	if [ $rc != 0 ] || ! grep -q '^replay: 0 mismatches' "$FT_ROOT/ascaller.replay.out"; then
		head -20 "$FT_ROOT/ascaller.replay.out"
		ft_fail "ascaller: replay as a process with supplementary groups exited $rc or reported mismatches"
	fi
	expect "ascaller: replayed file owner" "$(stat -c %u:%g "$tgt/mine/f")" 1000:1000
	[ -e "$tgt/shared/g" ] && ft_fail "ascaller: the refused create succeeded in the replay"
	echo "ok: ascaller: requests replayed as their callers, without the replayer's groups"
else
	ft_log "note: setpriv missing: replay as the caller not checked"
fi

# ---- usage --------------------------------------------------------------------
expect_status "--help" 0 "$FUSETRACE" replay --help
expect_status "missing TARGET" 2 "$FUSETRACE" replay "$db"
expect_status "bad --timing" 2 "$FUSETRACE" replay --timing=fast "$db" "$t2"
expect_status "bad --timing=scale" 2 "$FUSETRACE" replay --timing=scale=0 "$db" "$t2"
expect_status "bad --order" 2 "$FUSETRACE" replay --order=random "$db" "$t2"
expect_status "--setup-only with --no-setup" 2 "$FUSETRACE" replay --setup-only --no-setup "$db" "$t2"
expect_status "a non-empty target is refused" 1 "$FUSETRACE" replay "$db" "$t2"
grep -q "is not empty" "$FT_ROOT/last.err" || ft_fail "no reason given: $(cat "$FT_ROOT/last.err")"
expect_status "not a recording" 1 "$FUSETRACE" replay "$FT_ROOT/pre.sh" "$(ft_tmpdir)"

echo "replay fidelity:"
for f in "${fidelity[@]}"; do echo "  $f"; done
echo "replay: every workload replayed with no mismatch; the altered target was caught"
