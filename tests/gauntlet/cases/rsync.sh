#!/bin/bash
# rsync: `rsync -aHAX` of a prepared tree (hard links, symlinks, user.*
# xattrs, an ACL, modes, a 1 MiB file) onto the mount; then files of the
# source are changed, added and removed, and a second run brings the copy
# up to date with the delta algorithm writing into the files in place
# (--no-whole-file --inplace) and --delete; finally `rsync -aHAXc --dry-run
# --itemize-changes --delete` both ways must find nothing to do.  rsync runs
# as three processes (sender, generator, receiver) talking over pipes.  Every
# time the source gets is fixed, so the itemized changes are the same in
# every run.
timeout=60
comms=(rsync)
pids=9   # up to three rsync processes in each of its four runs
checks=(
	# the first copy creates the 10 files of dst through the mount, each
	# written to a temporary file renamed onto its name
	"10|SELECT count(*) FROM op WHERE op = 'RENAME' AND comm = 'rsync' AND entry2_path LIKE '/dst/%'"
	"2|SELECT count(*) FROM op WHERE op = 'LINK' AND comm = 'rsync' AND file LIKE '/dst/%'"
	"2|SELECT count(*) FROM op WHERE op = 'SETXATTR' AND comm = 'rsync' AND file LIKE '/dst/%' AND xattr_name LIKE 'user.%'"
	"1|SELECT count(*) FROM op WHERE op = 'SETXATTR' AND comm = 'rsync' AND file LIKE '/dst/%' AND xattr_name = 'system.posix_acl_access'"
	# the second: --delete removes through the mount, --inplace opens
	# big.dat itself for writing and creates new.txt under its own name
	"1|SELECT count(*) FROM op WHERE op = 'UNLINK' AND comm = 'rsync' AND file = '/dst/gone.txt'"
	"1|SELECT count(*) FROM op WHERE op = 'OPEN' AND comm = 'rsync' AND file = '/dst/big.dat' AND flags & 3 != 0"
	"1|SELECT count(*) FROM op WHERE op = 'CREATE' AND comm = 'rsync' AND file = '/dst/sub/new.txt'"
	# the checksums (-c) read every file of both trees
	"data:2|SELECT count(DISTINCT pid) FROM op WHERE op = 'READ' AND comm = 'rsync' AND file = '/dst/big.dat'"
)
ignore=()

# fixed times: rsync's quick check and the itemized changes depend on them
T1='2024-01-02 03:04:05 UTC' T2='2024-02-03 04:05:06 UTC'

prepare() {
	local s=$1/src i
	mkdir -p "$s/sub/deeper" "$s/empty dir"
	head -c $((1 << 20)) /dev/urandom > "$s/big.dat"
	for i in 1 2 3 4 5 6; do seq "$i" 1000 > "$s/sub/f$i.txt"; done
	printf 'to be deleted\n' > "$s/gone.txt"
	printf 'linked\n' > "$s/linked.txt"
	ln "$s/linked.txt" "$s/sub/linked-too.txt"
	ln "$s/linked.txt" "$s/sub/deeper/linked-three.txt"
	ln -s ../big.dat "$s/sub/link-big"
	ln -s nowhere "$s/dangling"
	printf 'with attributes\n' > "$s/attrs.txt"
	setfattr -n user.one -v first "$s/attrs.txt"
	setfattr -n user.two -v 0x0001fe "$s/sub/f2.txt"
	setfacl -m u:nobody:rw- "$s/sub/f3.txt"
	chmod 0600 "$s/sub/f4.txt"
	chmod 0711 "$s/sub/deeper"
	find "$s" -depth -exec touch -h -d "$T1" {} +
}

# itemize FROM TO [OPTION...]: rsync FROM/ onto TO/, itemizing what it does
itemize() {
	local from=$1 to=$2; shift 2
	rsync -aHAX --itemize-changes "$@" "$from/" "$to/"
}

workload() {
	echo "== first copy"
	itemize src dst
	echo "== changes"
	# 4 KiB rewritten in the middle of big.dat, 8 KiB appended; one file
	# rewritten, one added, one removed; an attribute and a mode changed
	head -c 4096 /dev/zero | tr '\0' 'x' | dd of=src/big.dat bs=4096 seek=100 conv=notrunc status=none
	head -c 8192 /dev/zero | tr '\0' 'y' >> src/big.dat
	seq 1 1500 > src/sub/f1.txt
	printf 'new\n' > src/sub/new.txt
	rm src/gone.txt
	setfattr -n user.one -v changed src/attrs.txt
	chmod 0640 src/sub/f5.txt
	touch -d "$T2" src/big.dat src/sub/f1.txt src/sub/new.txt src src/sub
	echo "== update: delta, in place, --delete"
	itemize src dst --no-whole-file --inplace --delete --stats |
		grep -E '^([<>ch.*]|Literal data|Matched data|Number of deleted files)'
	echo "== check"
	local n
	n=$(itemize src dst -c --dry-run --delete | wc -l)
	echo "src -> dst: $n change(s)"
	n=$(itemize dst src -c --dry-run --delete | wc -l)
	echo "dst -> src: $n change(s)"
	cmp src/big.dat dst/big.dat && echo "big.dat: the same"
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
