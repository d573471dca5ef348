#!/bin/bash
# thread-exec: a multi-threaded process execs (itself, twice) while another
# of its threads is reading a 4 MiB file of the mount with the page cache
# dropped, so the exec kills a thread that may be inside a READ.  Each image
# reads for 1.5 s before it execs: real programs exec long after they
# opened their files, and an exec right after them can hide a filesystem
# that waits on its caller only now and then.
timeout=60
comms=(gauntlet-thread)
pids=1
checks=(
	# the exec of each image closes big.bin; reads reached the filesystem
	"2|SELECT count(*) FROM op WHERE op = 'FLUSH' AND path = '/big.bin'"
	"data:16|SELECT count(*) FROM op WHERE op = 'READ' AND path = '/big.bin'"
)
ignore=()

prepare() {
	python3 -c '
import hashlib, sys
with open(sys.argv[1], "wb") as f:
    for i in range(4096):
        f.write(hashlib.sha256(str(i).encode()).digest() * 32)' "$1/big.bin"
}

workload() { "$(helper thread-exec)" big.bin 2 1500; }

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
