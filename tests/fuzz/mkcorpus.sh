#!/bin/bash
# mkcorpus.sh FUSETRACE OUTDIR — (re)make the seed corpora in OUTDIR:
#   OUTDIR/tracedb/*.db   small real recordings, re-packed with 512-byte
#                         pages (VACUUM) so each is a few tens of KiB;
#   OUTDIR/wire/*         frame streams (see fuzz_wire.c) cut from real
#                         recordings' request/reply rows is not possible (no
#                         raw bytes are stored), so they are synthesised by
#                         mkwire.py.
# Needs root (records through real mounts).  run.sh calls it at fuzz time
# for the tracedb seeds, so they always have the current schema; the wire
# corpus is checked in (tests/fuzz/corpus/wire).
set -euo pipefail
ft=$1; out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/tracedb" "$out/wire"
tmp=$(mktemp -d /tmp/fuzz-corpus.XXXXXX)
trap 'for m in "$tmp"/w*; do mountpoint -q "$m" && umount -l "$m"; done; rm -rf "$tmp"' EXIT
i=0
for script in 'echo hi > a; cat a; mkdir d; mv a d/b; ls -l d; rm -r d' \
	'for n in 1 2 3; do echo $n >> f; done; ln -s f l; readlink l; ln f h; stat h > /dev/null; rm f h l' \
	'touch $(printf "e\033[31m"); setfattr -n user.x -v 1 e* 2>/dev/null; getfattr -d e* 2>/dev/null; cat nonexistent 2>/dev/null; true'; do
	i=$((i + 1))
	mkdir "$tmp/w$i"
	"$ft" record --db "$tmp/r$i.db" "$tmp/w$i" -- sh -c "$script" > /dev/null 2>&1
	sqlite3 "$tmp/r$i.db" "PRAGMA page_size = 512; VACUUM;"
	cp "$tmp/r$i.db" "$out/tracedb/rec$i.db"
done
# an incomplete one (status set by hand, as a killed recorder leaves it)
cp "$out/tracedb/rec1.db" "$out/tracedb/incomplete.db"
sqlite3 "$out/tracedb/incomplete.db" "UPDATE session SET status = 'recording', recorder_pid = 999999, end_ts = NULL"
python3 "$here/mkwire.py" "$out/wire"
ls -la "$out"/*
