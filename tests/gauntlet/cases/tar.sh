#!/bin/bash
# tar: a tree made on the mount — regular files, a sparse file, hard links,
# symlinks (also dangling and to a directory), user.* extended attributes,
# access and default ACLs, odd names (spaces, a leading dash, UTF-8), modes
# and fixed times — archived with `tar --xattrs --acls --sparse -cpf` onto the
# mount, listed, extracted on the mount with `--xattrs --acls -xpf`, and the
# two trees compared entry by entry (type, mode, links, size, sparseness,
# xattrs, ACLs, content).  With fixed times, a fixed order and no atime or
# ctime in the pax headers, the archive differs between two runs only in
# the sparse member's header name (below).
timeout=60
comms=(tar)
pids=20  # the tree made by small tools, tar three times, the listings
checks=(
	# the archive written and read back through the mount by tar
	"1|SELECT count(*) FROM op WHERE op = 'CREATE' AND file = '/archive.tar' AND comm = 'tar'"
	"2|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND file = '/archive.tar' AND comm = 'tar'"
	# extraction: the hard links made with LINK, the symlinks with SYMLINK,
	# xattrs and ACLs set through the mount
	"2|SELECT count(*) FROM op WHERE op = 'LINK' AND comm = 'tar' AND file LIKE '/dst/%'"
	"3|SELECT count(*) FROM op WHERE op = 'SYMLINK' AND comm = 'tar' AND file LIKE '/dst/%'"
	"2|SELECT count(*) FROM op WHERE op = 'SETXATTR' AND comm = 'tar' AND file LIKE '/dst/%' AND xattr_name LIKE 'user.%'"
	"2|SELECT count(*) FROM op WHERE op = 'SETXATTR' AND comm = 'tar' AND file LIKE '/dst/%' AND xattr_name LIKE 'system.posix_acl_%'"
	# the sparse file's holes found with SEEK_HOLE/SEEK_DATA (archiving)
	"1|SELECT count(*) FROM op WHERE op = 'LSEEK' AND file = '/src/sparse.img' AND comm = 'tar'"
)
ignore=(
	archive.tar   # GNU tar names a sparse member's header GNUSparseFile.PID/NAME (its own pid)
)

prepare() { :; }

# make_tree DIR: the tree to archive
make_tree() {
	local d=$1
	mkdir -p "$d/sub/deeper" "$d/shared" "$d/dir with spaces"
	printf 'alpha\n' > "$d/a.txt"
	seq 1 2000 > "$d/sub/numbers.txt"
	printf 'spaces\n' > "$d/dir with spaces/file with spaces.txt"
	printf 'dash\n' > "$d/-leading-dash"
	printf 'unicode\n' > "$d/sub/ünïcødé-名前.txt"
	head -c 70000 /dev/zero | tr '\0' 'z' > "$d/sub/deeper/zzz.bin"
	# sparse: 4 MiB with data at 0 and 3 MiB only
	printf 'start' > "$d/sparse.img"
	printf 'end' | dd of="$d/sparse.img" bs=1 seek=$((3 << 20)) conv=notrunc status=none
	truncate -s $((4 << 20)) "$d/sparse.img"
	ln "$d/a.txt" "$d/hard-a"
	ln "$d/a.txt" "$d/sub/hard-a-too"
	ln -s a.txt "$d/link-a"
	ln -s ../sub "$d/shared/link-dir"
	ln -s no-such-target "$d/sub/dangling"
	setfattr -n user.comment -v 'hello tar' "$d/a.txt"
	setfattr -n user.bin -v 0x00ff10 "$d/sub/numbers.txt"
	setfattr -n user.dir -v directory "$d/sub"
	setfacl -m u:nobody:rw-,g:daemon:r-- "$d/sub/numbers.txt"
	setfacl -d -m u:nobody:r-x "$d/shared"
	printf 'inherits\n' > "$d/shared/inherits.txt"   # gets the default ACL
	chmod 0640 "$d/dir with spaces/file with spaces.txt"
	chmod 0750 "$d/sub/deeper"
	chmod 2755 "$d/shared"
	find "$d" -depth -exec touch -h -d '2024-01-02 03:04:05 UTC' {} +
}

# listing DIR: every entry below DIR with what tar must keep, sorted (a few
# programs for the whole tree: under load each process started costs)
listing() {
	(
	cd "$1"
	# type, mode, links, mtime, and for all but directories (whose size
	# depends on their history) the size and symlink target
	find . -mindepth 1 \( -type d -printf '%p %y %m %n %TY-%Tm-%Td+%TT\n' \) -o \
		-printf '%p %y %m %n %TY-%Tm-%Td+%TT %s %l\n'
	find . -type f -exec sha256sum {} + | sed -E 's/^(.{16}).{48}  (.*)$/\2 sha256 \1/'
	find . -type f -printf '%S %p\n' | awk '$1 < 1 { sub(/^[^ ]* /, ""); print $0 " sparse" }'
	# one line per attribute and ACL entry, prefixed with its file
	getfattr -R -P -h -d -m '^user\.' -e hex . |
		awk '/^# file: / { f = "./" substr($0, 9); next } NF { print f " xattr " $0 }'
	getfacl -R -P -p -s . |
		awk '/^# file: / { f = substr($0, 9); next } /^#/ { next } NF { print f " acl " $0 }'
	) | LC_ALL=C sort
}

workload() {
	make_tree src
	tar --xattrs --xattrs-include='user.*' --acls --sparse --sparse-version=0.1 --format=posix \
		--pax-option=delete=atime,delete=ctime --sort=name -C src -cpf archive.tar .
	echo "== archive"
	stat -c 'archive: %s bytes' archive.tar
	tar --xattrs --acls -tvvf archive.tar
	mkdir dst
	tar --xattrs --xattrs-include='user.*' --acls -C dst -xpf archive.tar
	echo "== extracted"
	listing dst
	[ dst/a.txt -ef dst/hard-a ] && [ dst/a.txt -ef dst/sub/hard-a-too ] && echo "hard links: one inode"
	if diff <(listing src) <(listing dst) >&2; then echo "src and dst: the same"; else echo "src and dst differ"; fi
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
