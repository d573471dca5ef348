#!/bin/bash
# tests/viewer/bench.sh — the viewer's scale benchmark.
#   VIEWER=viewer-main GENDB=fusetrace-gendb tests/viewer/bench.sh [DB] [REQUESTS]
# Generates DB (default /tmp/fusetrace-bench-10m.db, 10 M requests) unless it
# already holds that many requests, then runs `viewer-main --bench` in a real
# terminal (tmux, 120x40) and prints its report: time to the first screen,
# each key's response time (and completion time for budgeted scans), the
# state index build time, and resident memory.
set -u
DB=${1:-/tmp/fusetrace-bench-10m.db}
N=${2:-10000000}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
have=$(python3 -c 'import sqlite3,sys
try: print(sqlite3.connect(sys.argv[1]).execute("select max(id) from request").fetchone()[0] or 0)
except Exception: print(0)' "$DB" 2>/dev/null)
if [ "${have:-0}" -lt "$N" ]; then
    echo "generating $DB with $N requests..."
    "$GENDB" -n "$N" "$DB" || exit 1
fi
D=$(mktemp -d /tmp/fusetrace-viewer-bench.XXXXXX)
T="tmux -S $D/sock"
trap '$T kill-server 2>/dev/null; rm -rf "$D"' EXIT
KEYS='j j j k <PgDn> <PgDn> <PgUp> G k <PgUp> g e e E s s S o O :30<Enter> :#5000000<Enter> j k ] [ <PgDn> <PgUp> :#9999000<Enter> j k /file_0042<Enter> n n N <Tab> j <Tab> <Tab> fo READ<Enter> j <PgDn> c fp cat<Enter> j <PgDn> c fl 10ms<Enter> j c fa /mod007/<Enter> j c fx opcode=34<Enter> j c i j k <Esc> G i <Esc> g <WaitIndex> j :#5000000<Enter> j k k ] [ <PgDn> :#9999000<Enter> k G k :#2500000<Enter> j'
$T -f /dev/null new-session -d -s b -x 120 -y 40 -e LANG=C.UTF-8 -e TERM=tmux-256color \
    "$VIEWER --bench '$KEYS' --bench-out $D/report.txt $DB; echo EXIT=\$? > $D/exit"
i=0
until [ -s "$D/exit" ]; do sleep 0.5; i=$((i + 1)); [ $i -lt 1200 ] || { echo "benchmark timed out"; exit 1; }; done
cat "$D/report.txt"
grep -q 'EXIT=0' "$D/exit"
