#!/bin/bash
# run.sh — real workloads natively and through a fusetrace mount; the results
# must be byte-identical.
#
# usage: run.sh [--mount-cmd CMD] [--opts "MOUNT OPTIONS"] [WORKLOAD...]
#   WORKLOAD: git, tar, make (default: all three)
# Uses "$FUSETRACE mount" unless --mount-cmd / FT_MOUNT_CMD is given.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"

MOPTS=""
workloads=()
while [ $# -gt 0 ]; do
	case $1 in
	--mount-cmd) export FT_MOUNT_CMD=$2; shift ;;
	--opts) MOPTS=$2; shift ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) workloads+=("$1") ;;
	esac
	shift
done
[ ${#workloads[@]} -gt 0 ] || workloads=(git tar make)
ft_need_root "to mount"
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
for t in git tar make cc sha256sum; do
	command -v $t >/dev/null || ft_skip "$t not installed"
done

ft_init
export LC_ALL=C TZ=UTC
umask 022

# gen_tree DIR: a deterministic tree with the shapes real projects have
gen_tree() {
	local d=$1 i j
	mkdir -p "$d/src/lib" "$d/docs/deep/er/still" "$d/empty-dir" "$d/with space"
	for i in $(seq 1 40); do
		printf 'line %d of file %d\n' $(seq 1 $((i * 7))) "$i" > "$d/src/file$i.txt"
	done
	for i in $(seq 1 5); do
		head -c $((i * 70000 + 13)) /dev/zero | tr '\0' "$(printf "\\$(printf '%03o' $((65 + i)))")" > "$d/src/lib/blob$i.bin"
	done
	# binary-ish data, deterministic
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%c", (i * 131 + 7) % 251 }' > "$d/src/lib/bytes.dat"
	: > "$d/src/empty"
	printf '#!/bin/sh\necho hello from script\n' > "$d/src/run.sh"; chmod 755 "$d/src/run.sh"
	chmod 600 "$d/src/file3.txt"
	ln -s file1.txt "$d/src/link-to-file1"
	ln -s ../docs "$d/src/link-to-docs"
	ln "$d/src/file2.txt" "$d/src/hardlink-to-file2"
	printf 'deep\n' > "$d/docs/deep/er/still/README"
	printf 'spaced\n' > "$d/with space/a file"
	printf 'utf8\n' > "$d/docs/h$(printf '\303\251')llo.md"
	touch -d @1500000000 "$d/src/file1.txt"
}

# tree_manifest DIR: modes, sizes, link targets, mtimes and content hashes
tree_manifest() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %s %n %l %T@\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

fail=0; passed=0
report() { # NAME NATIVE MOUNT
	if [ "$2" == "$3" ]; then
		echo "ok   $1"; passed=$((passed + 1))
	else
		echo "DIFF $1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -40 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

wl_git() { # DIR -> prints observations
	local d=$1
	(
		set -e
		export HOME=$d/.home GIT_CONFIG_NOSYSTEM=1
		mkdir -p "$HOME"
		export GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=t@example.invalid GIT_AUTHOR_DATE='@1600000000 +0000'
		export GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=t@example.invalid GIT_COMMITTER_DATE='@1600000000 +0000'
		cd "$d/repo"
		git init -q -b main .
		git add -A
		git commit -q -m "generated tree"
		echo "head=$(git rev-parse HEAD)"
		echo "tree=$(git rev-parse 'HEAD^{tree}')"
		git fsck --full --strict 2>&1 && echo "fsck=ok"
		echo "status=[$(git status --porcelain)]"
		echo "change" >> src/file5.txt
		git mv src/file6.txt src/renamed6.txt
		git rm -q src/file7.txt
		git commit -q -am "second"
		echo "head2=$(git rev-parse HEAD)"
		git gc -q
		git fsck --full --strict 2>&1 && echo "fsck_after_gc=ok"
		echo "log=$(git log --format=%H | tr '\n' ' ')"
		git checkout -q HEAD~1 && echo "checkout=ok"
		echo "file7=$(sha256sum < src/file7.txt)"
	) 2>&1
	echo "exit=$?"
}

wl_tar() {
	local d=$1
	(
		set -e
		cd "$d"
		tar --sort=name --mtime=@1600000000 --owner=0 --group=0 --numeric-owner \
			--format=gnu -cf tree.tar tree
		echo "archive=$(sha256sum < tree.tar)"
		echo "list=$(tar -tvf tree.tar | sha256sum)"
		mkdir x
		tar -C x -xpf tree.tar
		diff -r tree x/tree && echo "diff=same"
		tar -czf tree.tgz -C x tree
		mkdir y
		tar -C y -xzpf tree.tgz
		diff -r x/tree y/tree && echo "diff2=same"
	) 2>&1
	echo "exit=$?"
	(cd "$d" && tree_manifest x)
}

gen_c_project() {
	local d=$1 i
	mkdir -p "$d/proj"
	for i in $(seq 1 8); do
		cat > "$d/proj/mod$i.c" <<EOC
#include "mods.h"
unsigned long mod$i(unsigned long x) { return x * $((i * 2 + 1)) + $i; }
EOC
	done
	{
		echo "#ifndef MODS_H"; echo "#define MODS_H"
		for i in $(seq 1 8); do echo "unsigned long mod$i(unsigned long x);"; done
		echo "#endif"
	} > "$d/proj/mods.h"
	{
		echo '#include <stdio.h>'; echo '#include "mods.h"'
		echo 'int main(void) { unsigned long v = 1;'
		for i in $(seq 1 8); do echo "  v = mod$i(v); printf(\"mod$i -> %lu\\n\", v);"; done
		echo '  return 0; }'
	} > "$d/proj/main.c"
	{
		echo 'OBJS = main.o $(patsubst %.c,%.o,$(wildcard mod*.c))'
		echo 'prog: $(OBJS)'
		printf '\t$(CC) -o $@ $(OBJS)\n'
		echo '%.o: %.c mods.h'
		printf '\t$(CC) -O2 -c -o $@ $<\n'
		echo 'clean:'
		printf '\trm -f prog *.o\n'
	} > "$d/proj/Makefile"
}

wl_make() {
	local d=$1
	(
		set -e
		cd "$d/proj"
		make -j2 --no-print-directory 2>&1 | sort
		./prog
		make -q && echo "uptodate=yes"
		sleep 0.01; touch mod3.c
		make --no-print-directory 2>&1
		./prog | sha256sum
		echo "objs=$(sha256sum *.o | sort | sha256sum)"
		make --no-print-directory clean && ls
	) 2>&1
	echo "exit=$?"
}

for w in "${workloads[@]}"; do
	native=$(ft_tmpdir); src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	# shellcheck disable=SC2086
	ft_mount "$src" "$mnt" $MOPTS
	case $w in
	git)
		gen_tree "$native/repo"; gen_tree "$mnt/repo"
		a=$(wl_git "$native"); b=$(wl_git "$mnt") ;;
	tar)
		gen_tree "$native/tree"; gen_tree "$mnt/tree"
		a=$(wl_tar "$native"); b=$(wl_tar "$mnt") ;;
	make)
		gen_c_project "$native"; gen_c_project "$mnt"
		a=$(wl_make "$native"); b=$(wl_make "$mnt") ;;
	*) ft_fail "unknown workload $w" ;;
	esac
	grep -q '^exit=0$' <<<"$a" || { echo "native $w failed:"; printf '%s\n' "$a" | tail -20; fail=$((fail + 1)); }
	[ -n "${FT_VERBOSE:-}" ] && printf "native %s:\n%s\n" "$w" "$a"
	report "$w" "$a" "$b"
	ft_umount "$mnt" || { echo "DIFF $w: unclean unmount"; fail=$((fail + 1)); }
	# after unmount the source holds what the mount showed
	[ -d "$src" ] && [ "$(ls -A "$src")" ] || { echo "DIFF $w: source dir empty after unmount"; fail=$((fail + 1)); }
done
echo "$passed passed, $fail failed"
[ $fail = 0 ]
