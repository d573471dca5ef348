#!/bin/bash
# vfork-exec: a process that holds a file open for writing (close-on-exec)
# vfork()s and execs shell children, staying suspended until each exec;
# the children read a file of the mount.
timeout=30
comms=()
pids=6   # the parent and its 5 children
checks=(
	# each child's exec closes its copy of out.txt, and the parent closes it
	"6|SELECT count(DISTINCT pid) FROM op WHERE op = 'FLUSH' AND path = '/out.txt'"
)
ignore=()

prepare() { seq 1 1000 > "$1/input.txt"; }

workload() {
	"$(helper vfork-exec)" out.txt 5 sh -c 'echo child; wc -c < input.txt'
	cat out.txt out.txt.vfork*
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
