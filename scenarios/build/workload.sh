set -e
n=12
mkdir -p src
printf '#pragma once\n' > src/gen.h
for i in $(seq 1 $n); do
	printf 'int f%d(int x);\n' "$i" >> src/gen.h
	printf '#include "gen.h"\nint f%d(int x) { return x + %d; }\n' "$i" "$i" > src/f$i.c
done
{
	printf '#include <stdio.h>\n#include "gen.h"\nint main(void) { int s = 0;\n'
	for i in $(seq 1 $n); do printf ' s = f%d(s);\n' "$i"; done
	printf ' printf("%%d\\n", s); return 0; }\n'
} > src/main.c
objs=$(for i in $(seq 1 $n); do printf 'f%d.o ' "$i"; done)
printf 'CFLAGS = -O1 -Isrc\nprog: main.o %s\n\t$(CC) -o $@ $^\n%%.o: src/%%.c src/gen.h\n\t$(CC) $(CFLAGS) -c -o $@ $<\n' "$objs" > Makefile
make -s -j2
[ "$(./prog)" = "$(( n * (n + 1) / 2 ))" ]
make -s -j2 | { ! grep -q .; }   # nothing left to rebuild
