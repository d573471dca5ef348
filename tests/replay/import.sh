#!/bin/bash
# import.sh — one run recorded to both sinks (SQLite and LTTng); the LTTng
# trace imported with `fusetrace import` must give the same database, row by
# row (tests/replay/dbcompare.py says which columns cannot be identical and
# why).  Also: the command's error handling.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"
ft_need_lttng
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
PY=$(ft_python)
# What the session finds already there goes to the manifest (with
# --snapshot-data, the files' first bytes).
mkdir -p "$dir/pre/sub"
printf 'pre-existing data\n' > "$dir/pre/a"; printf 'bee\n' > "$dir/pre/sub/b"
ln -s a "$dir/pre/lnk"; chmod 640 "$dir/pre/a"

# A workload touching every event family: entries, symlink (READLINK),
# hard link, rename, unlink of an open file, xattrs, a large listing
# (READDIRPLUS), a failed lookup, setattr, fsync, locks; and I/O modes: a
# passthrough file (--io-rule) held open while it is opened again under a
# name whose rule asks for cached (IO_MODE, BACKING_OPEN/CLOSE, IO_CONFLICT,
# the INIT and OPEN replies the wire tap edited).
script='
mkdir -p d/sub && for i in $(seq 1 60); do echo "line $i" > d/f$i; done
ln -s f1 d/link && cat d/link >/dev/null && readlink d/link >/dev/null
ln d/f2 d/hard && mv d/f3 d/sub/moved && rm d/f4
exec 3<d/f5; rm d/f5; cat <&3 >/dev/null; exec 3<&-
setfattr -n user.k -v v d/f6 2>/dev/null; getfattr -d d/f6 >/dev/null 2>&1
ls -la d >/dev/null; ls d/nonexistent 2>/dev/null
chmod 600 d/f7; truncate -s 1000 d/f8; sync d/f8 2>/dev/null
flock d/f9 true
cat d/* >/dev/null 2>&1; rm -r d/sub
ls -lR pre >/dev/null; cat pre/lnk pre/sub/b >/dev/null
printf pt > x.pt && cat x.pt >/dev/null
exec 4<x.pt; mv x.pt x.c; cat x.c >/dev/null; exec 4<&-
'
"$FUSETRACE" record --db "$out/A.db" --lttng --lttng-output="$out/T" --snapshot-data=8 --io-rule='*.pt:passthrough' "$dir" -- sh -c "$script" \
	> "$out/log" 2>&1 || { cat "$out/log"; ft_fail "record failed"; }

expect_status "import" 0 "$FUSETRACE" import "$out/T" "$out/B.db"
grep -q "status complete" "$FT_ROOT/last.err" || ft_fail "import did not report a complete session: $(cat "$FT_ROOT/last.err")"
expect "imported session uuid" "$(q "$out/B.db" 'SELECT uuid FROM session')" "$(q "$out/A.db" 'SELECT uuid FROM session')"
expect_ge "requests recorded" "$(q "$out/A.db" 'SELECT count(*) FROM request')" 300

"$PY" "$here/dbcompare.py" "$out/A.db" "$out/B.db" > "$out/cmp" 2>&1; rc=$?
cat "$out/cmp"
[ "$rc" = 0 ] || ft_fail "the imported database differs from the direct recording"
# dbcompare must have compared the tables that matter, with rows in them
# (kernel_send and kernel_end: the kernel's side, recorded here as root
# where the fuse trace events exist; checked when they do)
kt=""
[ -r /sys/kernel/tracing/events/fuse/fuse_request_send/format ] && kt="kernel_send kernel_end"
for t in request reply inode_event fh_event backing_call dirent forget inode process manifest $kt; do
	grep -Eq "^$t +[1-9][0-9]* rows / +[1-9][0-9]* rows  identical" "$out/cmp" \
		|| ft_fail "table $t not compared with rows in it"
done

# The I/O mode events and the tap's edits came through LTTng (dbcompare
# compared them row by row; here: they are there to compare).
expect "I/O mode events in the import" "$(q "$out/B.db" "SELECT group_concat(kind, ' ') FROM (SELECT DISTINCT kind FROM inode_history WHERE kind IN ('IO_MODE','BACKING_OPEN','BACKING_CLOSE','IO_CONFLICT') ORDER BY kind)")" "BACKING_CLOSE BACKING_OPEN IO_CONFLICT IO_MODE"
expect "the conflict: cached asked, passthrough given" "$(q "$out/B.db" "SELECT io_prev || '>' || io_mode || ':' || io_why FROM inode_history WHERE kind = 'IO_CONFLICT'")" "cached>passthrough:inode_mode"
expect "OPEN/CREATE replies the tap made passthrough" "$(q "$out/B.db" "SELECT count(*) FROM reply WHERE tap_edit LIKE '%backing_id%'")" 4
expect "the INIT reply the tap edited" "$(q "$out/B.db" "SELECT count(*) FROM reply r JOIN request q USING (unique_id) WHERE q.opcode = 26 AND r.tap_edit LIKE '%flags2+PASSTHROUGH%'")" 1
expect "passthrough opens with their sizes" "$(q "$out/B.db" "SELECT count(*) FROM passthrough_open WHERE size_at_open IS NOT NULL AND size_at_release = 2")" "$(q "$out/A.db" "SELECT count(*) FROM passthrough_open")"
expect "manifest: pre/a with its first 8 bytes" \
	"$(q "$out/B.db" "SELECT printf('%o', mode), size, hex(data) FROM manifest WHERE name = 'a'")" "100640|18|7072652D65786973"
expect "manifest: pre/lnk with its target" "$(q "$out/B.db" "SELECT link_target FROM manifest WHERE name = 'lnk'")" "a"

# The importer's own views work on the result.
expect "op view count equals request count" \
	"$(q "$out/B.db" 'SELECT count(*) FROM op')" "$(q "$out/B.db" 'SELECT count(*) FROM request')"

# Error handling.
expect_status "refuses an existing database" 1 "$FUSETRACE" import "$out/T" "$out/B.db"
grep -q "refusing to overwrite" "$FT_ROOT/last.err" || ft_fail "no reason given: $(cat "$FT_ROOT/last.err")"
empty=$(ft_tmpdir)
expect_status "a directory without a trace" 1 "$FUSETRACE" import "$empty" "$out/C.db"
grep -q "no CTF trace" "$FT_ROOT/last.err" || ft_fail "no reason given: $(cat "$FT_ROOT/last.err")"
[ ! -e "$out/C.db" ] || ft_fail "a failed import left $out/C.db behind"
expect_status "unknown session uuid" 1 "$FUSETRACE" import --session 00000000-0000-0000-0000-000000000000 "$out/T" "$out/C.db"
[ ! -e "$out/C.db" ] || ft_fail "a failed import left $out/C.db behind"
expect_status "missing DB argument" 2 "$FUSETRACE" import "$out/T"
expect_status "--help" 0 "$FUSETRACE" import --help
echo "import: the LTTng import equals the direct recording"
