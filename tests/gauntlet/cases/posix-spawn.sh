#!/bin/bash
# posix-spawn: a process that keeps writing to a file it holds open
# (close-on-exec) while it posix_spawn()s shell children whose stdout is a
# file on the mount opened by a spawn file action; the children read a file
# of the mount.
timeout=30
comms=()
pids=6   # the spawner and its 5 children
checks=(
	# each child's exec closes its copy of out.txt, and the spawner closes it
	"6|SELECT count(DISTINCT pid) FROM op WHERE op = 'FLUSH' AND path = '/out.txt'"
)
ignore=()

prepare() { seq 1 1000 > "$1/input.txt"; }

workload() {
	"$(helper posix-spawn)" out.txt 5 sh -c 'echo child; wc -c < input.txt'
	cat out.txt out.txt.spawn*
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
