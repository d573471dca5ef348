#!/bin/bash
# make: `make -j2` of a small C project whose tools live on the mount: a
# generator script (makes a .c and a .h from a table) and the compiler
# wrapper (records each command line beside its output, then runs cc);
# then the program built on the mount is run from it, and `make -q` must
# find everything up to date (the mount's mtimes keep make's order).
timeout=60
comms=(make cc1)
pids=12
checks=(
	# the compiler wrapper of the mount runs for each of 6 compiles and the link
	"7|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND path = '/tools/cc'"
	"1|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND path = '/tools/gen.sh'"
)
ignore=()

prepare() {
	local d=$1 i
	mkdir "$d/tools" "$d/src"
	cat > "$d/tools/gen.sh" <<'SH'
#!/bin/sh
# gen.sh TABLE: TABLE ("name value" lines) -> gen/table.h and gen/table.c
set -e
mkdir -p gen
{
	echo "/* generated from $1 */"
	echo "struct entry { const char *name; int value; };"
	echo "extern const struct entry table[];"
	echo "extern const int table_len;"
} > gen/table.h
{
	echo '#include "table.h"'
	echo "const struct entry table[] = {"
	while read -r name value; do echo "	{ \"$name\", $value },"; done < "$1"
	echo "};"
	echo "const int table_len = sizeof table / sizeof table[0];"
} > gen/table.c
SH
	cat > "$d/tools/cc" <<'SH'
#!/bin/sh
# compiler wrapper: keep each command line beside its output, then compile
out=a.out prev=
for a; do [ "$prev" = -o ] && out=$a; prev=$a; done
printf '%s\n' "$*" > "$out.cmd"
exec cc "$@"
SH
	chmod 755 "$d/tools/gen.sh" "$d/tools/cc"
	for i in 1 2 3 4 5 6; do echo "entry$i $((i * i))"; done > "$d/table.txt"
	for i in 1 2 3 4; do
		printf '#include "table.h"\nint part%d(void) { int s = 0; for (int i = 0; i < table_len; i++) s += table[i].value * %d; return s; }\n' "$i" "$i" > "$d/src/part$i.c"
	done
	cat > "$d/src/main.c" <<'C'
#include <stdio.h>
#include "table.h"
int part1(void), part2(void), part3(void), part4(void);
int main(void)
{
	for (int i = 0; i < table_len; i++)
		printf("%s = %d\n", table[i].name, table[i].value);
	printf("parts: %d %d %d %d\n", part1(), part2(), part3(), part4());
	return 0;
}
C
	cat > "$d/Makefile" <<'MK'
CC = ./tools/cc
CFLAGS = -O2 -Wall -Werror -Igen
OBJS = obj/main.o obj/part1.o obj/part2.o obj/part3.o obj/part4.o obj/table.o

prog: $(OBJS)
	$(CC) -o $@ $(OBJS)

gen/table.c gen/table.h &: table.txt tools/gen.sh
	./tools/gen.sh table.txt

obj/%.o: src/%.c gen/table.h | obj
	$(CC) $(CFLAGS) -c -o $@ $<

obj/table.o: gen/table.c gen/table.h | obj
	$(CC) $(CFLAGS) -c -o $@ $<

obj:
	mkdir -p obj

result.txt: prog
	./prog > $@
MK
}

workload() {
	make -j2 result.txt > gauntlet.log 2>&1
	cat result.txt
	if make -q result.txt; then echo "make -q: up to date"; else echo "make -q: out of date"; fi
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
