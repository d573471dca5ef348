#!/usr/bin/env bash
# Install what is needed, build fusetrace, and show its main job: mount over a
# scratch directory, run a small real workload (build a C program, tar it
# up, tidy up) through it, then print what happened from the recording.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=C.UTF-8 LC_ALL=C.UTF-8

bash tools/install-deps.sh
bash tools/start-services.sh >/dev/null
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build >/dev/null
ft=$PWD/build/fusetrace

work=$(mktemp -d /tmp/fusetrace-demo.XXXXXX)
proj=$work/project
mkdir -p "$proj"
cat > "$proj/hello.c" <<'C'
#include <stdio.h>
int main(void) { puts("hello from a program built through fusetrace"); return 0; }
C
printf 'hello: hello.c\n\tcc -O2 -o hello hello.c\n' > "$proj/Makefile"

echo "== fusetrace record $proj -- sh -c 'make && ./hello && tar ...'"
"$ft" record --db "$work/demo.db" "$proj" -- sh -c \
  'make -s && ./hello && mkdir -p out && tar cf out/project.tar hello.c Makefile && rm hello'
echo
echo "== what the directory holds now (the mount is gone; this is the real directory)"
ls -l "$proj" "$proj/out"
echo
echo "== fusetrace stats $work/demo.db"
"$ft" stats "$work/demo.db"
echo
echo "== fusetrace sql: the slowest five requests"
"$ft" sql "$work/demo.db" \
  "SELECT op, path, name, errno_name, latency_ns FROM op ORDER BY latency_ns DESC LIMIT 5"
echo
echo "== fusetrace sql: the inode table's life (transitions by kind)"
"$ft" sql "$work/demo.db" "SELECT kind, count(*) AS n FROM inode_history GROUP BY kind ORDER BY n DESC"
echo
echo "The recording is $work/demo.db: try"
echo "  $ft view $work/demo.db"
echo "  sqlite3 $work/demo.db 'SELECT * FROM errors'"
