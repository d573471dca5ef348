#!/bin/bash
# lock-mmap-exec: a process execs while it holds a POSIX record lock and a
# dirty shared mapping of a file of the mount.  The new image reports
# whether the lock survived the exec (it must when only the inherited
# descriptor refers to the file; it must not when a close-on-exec one was
# closed by the exec) and reads back what was written through the mapping.
# Each process holds the lock and the mapping for 1.5 s before it execs
# (see thread-exec.sh for why not at once).
timeout=30
comms=(gauntlet-lock-m)
pids=4   # two runs, each with a child that tests the lock
checks=(
	# the lock taken and released on the filesystem; the exec closes drop.dat's
	# close-on-exec descriptor
	"2|SELECT count(*) FROM op WHERE op IN ('SETLK', 'SETLKW') AND path = '/keep.dat'"
	"1|SELECT count(*) FROM op WHERE op = 'FLUSH' AND path = '/drop.dat'"
)
ignore=()

prepare() { :; }

workload() {
	"$(helper lock-mmap-exec)" keep keep.dat 1500
	"$(helper lock-mmap-exec)" drop drop.dat 1500
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
