#!/bin/bash
# srcfull.sh — the source filesystem fills up.  fill.py runs a fixed sequence
# of creates/writes/fsyncs/mkdirs/symlinks on a 1 MiB, 40-inode tmpfs until
# both blocks and inodes run out, printing each syscall's result.  The same
# script runs natively on an identical fresh tmpfs and through the mount:
#  - default cache and --cache=never: the transcripts are identical (ENOSPC
#    at the same calls, the same short write, the same sizes);
#  - the ENOSPCs are in the recording: as many WRITE/MKDIR ENOSPC replies as
#    the transcript has, CREATE and SYMLINK ENOSPC present, the short write's
#    byte count recorded;
#  - --writeback (where the kernel reports write errors at fsync, not at
#    write): no silent loss — every file whose fsync succeeded holds, in the
#    source, exactly the bytes the workload wrote.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root "tmpfs, FUSE"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init; fx_init
FILL=$here/fill.py
OPTS="size=1m,nr_inodes=40,mode=0755"

nat=$(ft_tmpdir); fx_tmpfs "$nat" "$OPTS"
"$FX_PY" "$FILL" "$nat" > "$FT_ROOT/native.txt" || ft_fail "fill.py failed natively"
grep -q ENOSPC "$FT_ROOT/native.txt" || ft_fail "the native run never hit ENOSPC: the test is broken"
short=$(awk '$1 == "write" && $4 ~ /^[0-9]+$/ && $4 != 65536 && $2 != "odd"' "$FT_ROOT/native.txt" | head -1)
[ -n "$short" ] || ft_fail "the native run has no short write: the test is broken"
echo "native: $(grep -c ENOSPC "$FT_ROOT/native.txt") ENOSPC results, short write: $short"

through() {   # through TAG [mount options...]: run fill.py through a mount on a fresh tmpfs
	local tag=$1; shift
	local src mnt
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	fx_tmpfs "$src" "$OPTS"
	ft_mount "$src" "$mnt" "$@"
	"$FX_PY" "$FILL" "$mnt" > "$FT_ROOT/$tag.txt" || ft_fail "$tag: fill.py failed"
	ft_umount "$mnt" || ft_fail "$tag: unmount failed"
	SRC=$src
}

for mode in default never; do
	db=$FT_ROOT/$mode.db
	if [ $mode = default ]; then through $mode --db "$db"; else through $mode --cache=never --db "$db"; fi
	if ! diff "$FT_ROOT/native.txt" "$FT_ROOT/$mode.txt" > "$FT_ROOT/$mode.diff"; then
		head -30 "$FT_ROOT/$mode.diff"
		ft_fail "$mode: results through the mount differ from the native run"
	fi
	echo "ok: $mode: every result identical to the native run"
	for op in WRITE MKDIR; do
		lc=$(echo "$op" | tr A-Z a-z)
		want=$(awk -v o="$lc" '$1 == o && $NF == "ENOSPC"' "$FT_ROOT/native.txt" | wc -l)
		[ $op = WRITE ] && want=$(awk '$1 == "write" && $NF == "ENOSPC"' "$FT_ROOT/native.txt" | wc -l)
		expect "$mode: recorded $op ENOSPC replies" \
			"$(q "$db" "SELECT count(*) FROM errors WHERE op = '$op' AND errno_name = 'ENOSPC'")" "$want"
	done
	for op in CREATE SYMLINK; do
		expect_ge "$mode: recorded $op ENOSPC replies" \
			"$(q "$db" "SELECT count(*) FROM errors WHERE op = '$op' AND errno_name = 'ENOSPC'")" 1
	done
	n=$(echo "$short" | awk '{print $4}')
	expect_ge "$mode: WRITE replies of exactly the short count $n" \
		"$(q "$db" "SELECT count(*) FROM op WHERE op = 'WRITE' AND bytes = $n")" 1
	expect "$mode: integrity" "$(q "$db" 'PRAGMA integrity_check')" ok
done

# --writeback: errors may move from write() to fsync(), but nothing is lost
# silently.  fill.py's "fsync bigN ok" must mean the source has all 512 KiB.
src=$(ft_tmpdir); mnt=$(ft_tmpdir); fx_tmpfs "$src" "$OPTS"
ft_mount "$src" "$mnt" --writeback
"$FX_PY" - "$mnt" "$src" > "$FT_ROOT/wb.txt" <<'PY'
import os, sys
m, s = sys.argv[1], sys.argv[2]
def put(name, n, size=65536):
    fd = os.open(os.path.join(m, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    wrote, err = 0, None
    for _ in range(n):
        try:
            wrote += os.write(fd, b"x" * size)
        except OSError as e:
            err = e.strerror
    try:
        os.fsync(fd)
    except OSError as e:
        err = err or ("fsync: " + e.strerror)
    try:
        os.close(fd)
    except OSError as e:
        err = err or ("close: " + e.strerror)
    print(name, wrote, os.stat(os.path.join(s, name)).st_size, err or "ok")
put("odd", 1, 12345)
for i in range(4):
    put("big%d" % i, 8)
PY
ft_umount "$mnt"
cat "$FT_ROOT/wb.txt" | sed 's/^/    wb: /'
# NAME WRITTEN-AS-REPORTED SIZE-IN-SOURCE STATUS
bad=$(awk '$4 == "ok" && $2 != $3' "$FT_ROOT/wb.txt")
[ -z "$bad" ] || ft_fail "--writeback: silent data loss — write() and fsync() succeeded but the source holds fewer bytes: $bad"
grep -q 'No space' "$FT_ROOT/wb.txt" || ft_fail "--writeback: ENOSPC never reported"
echo "srcfull: ENOSPC exactly as natively, and recorded"
