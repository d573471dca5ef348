#!/bin/bash
# run.sh — what the kernel's page cache and the inode flags do through the
# mount, compared with the source directory itself, in each I/O mode:
# SEEK_DATA/SEEK_HOLE with dirty pages (seek_dirty.py), statx birth time, lsattr/chattr and
# the fsxattr ioctl (attrs.sh); shared writable mappings (shared_mmap.py),
# also without DIRECT_IO_ALLOW_MMAP; many opens of one file; passthrough over
# passthrough mounts.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
ft_need_root "chattr +a needs CAP_LINUX_IMMUTABLE"
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
command -v lsattr >/dev/null || ft_skip "lsattr (e2fsprogs) missing"
ft_init

native=$(ft_tmpdir)
want_seek=$(/usr/bin/python3 "$here/seek_dirty.py" "$native") || ft_fail "seek_dirty.py failed natively"
want_attrs=$(bash "$here/attrs.sh" "$native") || ft_fail "attrs.sh failed natively"
case $want_attrs in *"chattr+a 0"*) ;; *) ft_skip "the scratch filesystem has no append-only flag: $want_attrs" ;; esac

fails=0
for opts in "" "--writeback" "--io=direct" "--io=passthrough" "--writeback --threads=1"; do
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	# shellcheck disable=SC2086
	ft_mount "$src" "$mnt" $opts
	got_seek=$(timeout 60 /usr/bin/python3 "$here/seek_dirty.py" "$mnt")
	got_attrs=$(timeout 60 bash "$here/attrs.sh" "$mnt")
	# statx birth time (FUSE_STATX answered with the source's statx): the
	# source file's own, to the nanosecond
	echo born > "$src/born"
	want_btime=$(stat -c %.9W "$src/born"); got_btime=$(stat -c %.9W "$mnt/born")
	ft_umount "$mnt" || ft_fail "[$opts] unmount"
	# One worker too: the seek's wait for the kernel's writeback runs on a
	# thread of its own, never on the worker that serves the writes.
	[ "$got_seek" = "$want_seek" ] && ok=1 || ok=0
	if [ $ok = 1 ]; then echo "ok   seek [${opts:-cached}]"; else
		echo "DIFF seek [${opts:-cached}]"; echo "    native: $want_seek"; echo "    mount:  $got_seek"; fails=$((fails + 1)); fi
	if [ "$got_btime" = "$want_btime" ] && [ "${want_btime%%.*}" -gt 0 ]; then echo "ok   btime [${opts:-cached}]"; else
		echo "DIFF btime [${opts:-cached}]: source $want_btime, mount $got_btime"; fails=$((fails + 1)); fi
	if [ "$got_attrs" = "$want_attrs" ]; then echo "ok   attrs [${opts:-cached}]"; else
		echo "DIFF attrs [${opts:-cached}]"; diff <(echo "$want_attrs") <(echo "$got_attrs") | sed 's/^/    /'; fails=$((fails + 1)); fi
done
[ $fails = 0 ] || ft_fail "$fails differences from the native run"
echo "all modes match the native run"

# Shared writable mappings (sqlite's WAL index is one) in every I/O mode, as
# natively.  A FOPEN_DIRECT_IO file can be mapped shared only because the
# daemon asks for FUSE_DIRECT_IO_ALLOW_MMAP at INIT (Linux 6.6+).  On a
# kernel without it (FUSETRACE_TEST_NO_DIRECT_MMAP=1 acts as one) such a
# mapping fails with ENODEV, sqlite cannot use WAL mode, and the daemon
# says so once at mount; files served cached are not affected.
native=$(ft_tmpdir)
want_mmap=$(timeout 60 /usr/bin/python3 "$here/shared_mmap.py" "$native") || ft_fail "shared_mmap.py failed natively"
case $want_mmap in "mmap shared: ok"*"sqlite: wal 3") ;; *) ft_fail "shared_mmap.py natively: $want_mmap" ;; esac
note="did not offer FUSE_DIRECT_IO_ALLOW_MMAP"
for opts in "" "--io=direct" "--cache=never" "--io=passthrough" "--writeback"; do
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	# shellcheck disable=SC2086
	ft_mount "$src" "$mnt" $opts
	got=$(timeout 60 /usr/bin/python3 "$here/shared_mmap.py" "$mnt")
	ft_umount "$mnt" || ft_fail "[$opts] unmount"
	expect "shared mmap [${opts:-cached}]" "$got" "$want_mmap"
	expect "shared mmap [${opts:-cached}]: no note" "$(grep -c "$note" "${FT_LOGS[${#FT_LOGS[@]} - 1]}")" 0
done
export FUSETRACE_TEST_NO_DIRECT_MMAP=1
for opts in "--io=direct" "--io-rule=*.map:direct"; do
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	ft_mount "$src" "$mnt" "$opts"
	got=$(timeout 60 /usr/bin/python3 "$here/shared_mmap.py" "$mnt")
	ft_umount "$mnt" || ft_fail "[$opts] unmount"
	expect "said once on stderr without ALLOW_MMAP [$opts]" "$(grep -c "$note" "${FT_LOGS[${#FT_LOGS[@]} - 1]}")" 1
	case $opts in
	--io=direct) expect "shared mmap without ALLOW_MMAP [$opts]" "$got" \
		"$(printf 'mmap shared: ENODEV\nsqlite: disk I/O error')" ;;
	*) expect "shared mmap without ALLOW_MMAP [$opts]: the map refused, sqlite (cached) as natively" "$got" \
		"$(printf 'mmap shared: ENODEV\nsqlite: wal 3')" ;;
	esac
done
src=$(ft_tmpdir); mnt=$(ft_tmpdir)
ft_mount "$src" "$mnt"
got=$(timeout 60 /usr/bin/python3 "$here/shared_mmap.py" "$mnt")
ft_umount "$mnt" || ft_fail "[cached] unmount"
unset FUSETRACE_TEST_NO_DIRECT_MMAP
expect "shared mmap without ALLOW_MMAP [cached]: as natively" "$got" "$want_mmap"
expect "cached without ALLOW_MMAP: no note" "$(grep -c "$note" "${FT_LOGS[${#FT_LOGS[@]} - 1]}")" 0
echo "shared mmap: as natively in every mode; without ALLOW_MMAP refused under direct I/O only, and said"

# Many opens of one file at once under passthrough: none fails, and the
# recording shows one backing file at a time, each registered once and
# closed once, and no READ reaching the daemon.
src=$(ft_tmpdir); mnt=$(ft_tmpdir); db=$(ft_tmpdir)/par.db
ft_mount "$src" "$mnt" --io=passthrough --db "$db"
timeout 120 /usr/bin/python3 "$here/parallel_opens.py" "$mnt" || ft_fail "parallel passthrough opens failed"
ft_umount "$mnt" || ft_fail "unmount after the parallel opens"
q() { "$FUSETRACE" sql --csv "$db" "$1" | tail -n +2 | tr -d "\r"; }   # RFC 4180: CRLF
opened=$(q "SELECT count(*) FROM inode_event WHERE kind = 13 AND err IS NULL")
closed=$(q "SELECT count(*) FROM inode_event WHERE kind = 14 AND err IS NULL")
failed=$(q "SELECT count(*) FROM op WHERE op = 'OPEN' AND errno <> 0")
reads=$(q "SELECT count(*) FROM op WHERE op = 'READ'")
notpt=$(q "SELECT count(*) FROM fh_history WHERE kind = 'OPEN' AND path = '/shared' AND io_mode IS NOT 'passthrough'")
overlap=$(q "SELECT count(*) FROM inode_history WHERE kind = 'IO_MODE' AND io_prev = 'passthrough' AND io_mode = 'passthrough'")
echo "parallel: $opened backing files registered, $closed closed, $failed failed opens, $reads READs, $notpt opens not passthrough"
[ "$opened" -ge 1 ] && [ "$opened" = "$closed" ] || ft_fail "backing files registered $opened, closed $closed"
[ "$failed" = 0 ] && [ "$reads" = 0 ] && [ "$notpt" = 0 ] && [ "$overlap" = 0 ] ||
	ft_fail "parallel passthrough opens: $failed failed, $reads READs, $notpt not passthrough"

# Passthrough over a passthrough mount: the kernel takes a backing file
# only from a filesystem stacked less deep than the mount's max_stack_depth
# (at most 2).  One level of fusetrace under another works (depth 2 is asked
# for a source on FUSE); a third level is refused by the kernel (ELOOP): its
# opens are served cached, said once on stderr and recorded as IO_CONFLICT
# backing_failed, and the data is the same through every level.
src=$(ft_tmpdir); m1=$(ft_tmpdir); m2=$(ft_tmpdir); m3=$(ft_tmpdir); dbs=$(ft_tmpdir)
printf 'nested\n' > "$src/f"
ft_mount "$src" "$m1" --io=passthrough
ft_mount "$m1" "$m2" --io=passthrough --db "$dbs/2.db"
ft_mount "$m2" "$m3" --io=passthrough --db "$dbs/3.db"
log3=${FT_LOGS[${#FT_LOGS[@]} - 1]}
[ "$(cat "$m3/f")" = nested ] || ft_fail "nested: reading through three levels"
printf 'more\n' >> "$m3/f"
[ "$(cat "$m2/f")" = "$(printf 'nested\nmore')" ] || ft_fail "nested: the append seen one level down"
for m in "$m3" "$m2" "$m1"; do ft_umount "$m" || ft_fail "nested: unmount $m"; done
q2() { "$FUSETRACE" sql --csv "$dbs/$1.db" "$2" | tail -n +2 | tr -d "\r"; }
expect "nested level 2: backing files registered without error" \
	"$(q2 2 "SELECT count(*) > 0 AND sum(err IS NOT NULL) = 0 FROM inode_event WHERE kind = 13")" 1
expect "nested level 2: READ/WRITE requests (passthrough: none)" "$(q2 2 "SELECT count(*) FROM op WHERE op IN ('READ','WRITE')")" 0
expect "nested level 3: the conflicts (refused backing file, served cached)" \
	"$(q2 3 "SELECT DISTINCT io_prev || '>' || io_mode || ':' || io_why || ':' || err FROM inode_history WHERE kind = 'IO_CONFLICT'")" \
	"passthrough>cached:backing_failed:40"
expect_ge "nested level 3: READ/WRITE requests (cached)" "$(q2 3 "SELECT count(*) FROM op WHERE op IN ('READ','WRITE')")" 2
expect "nested level 3: said once on stderr" "$(grep -c 'refused a passthrough backing file (Too many levels of symbolic links)' "$log3")" 1
echo "nested passthrough: level 2 passthrough, level 3 served cached"
