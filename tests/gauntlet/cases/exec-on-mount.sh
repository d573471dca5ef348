#!/bin/bash
# exec-on-mount: programs that live on the mount are executed from it: a
# shell script (read by the shell through a descriptor it holds while it
# runs children), ELF binaries copied onto the mount (sha256sum, and the
# gauntlet's posix_spawn helper, which spawns another script of the mount),
# and `exec` of one from a script.  Writing to a program while it runs from
# the mount must fail as natively (ETXTBSY).
timeout=30
comms=()
pids=8
checks=(
	# every exec of a program of the mount opens it, each in its own process
	"6|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND path = '/bin/sha256sum'"
	"4|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND path = '/bin/child.sh'"
	"1|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND path = '/bin/spawner'"
)
ignore=()

prepare() {
	mkdir "$1/bin"
	cp "$(command -v sha256sum)" "$1/bin/sha256sum"
	cp "$(helper posix-spawn)" "$1/bin/spawner"
	seq 1 5000 > "$1/data.txt"
	cat > "$1/bin/tool.sh" <<'SH'
#!/bin/sh
# a script of the mount that runs programs of the mount
echo "tool.sh: running from the mount"
./bin/sha256sum data.txt
exec ./bin/spawner spawned.txt 3 ./bin/child.sh from-spawner
SH
	cat > "$1/bin/child.sh" <<'SH'
#!/bin/sh
echo "child.sh: $1"
./bin/sha256sum data.txt bin/tool.sh
SH
	chmod 755 "$1/bin/tool.sh" "$1/bin/child.sh"
}

workload() {
	./bin/tool.sh
	cat spawned.txt spawned.txt.spawn*
	./bin/child.sh direct
	# a program of the mount, running, is not writable
	local w pid i
	exec {w}> >(exec ./bin/sha256sum > busy.txt)
	pid=$!
	for ((i = 0; i < 1000; i++)); do
		[ "$(readlink "/proc/$pid/exe")" = "$PWD/bin/sha256sum" ] && break
		sleep 0.01
	done
	if : 2>busy.err > bin/sha256sum; then
		echo "writing to a running program of the mount: allowed"
	else
		echo "writing to a running program of the mount: refused ($(sed 's/.*: //' busy.err))"
	fi
	echo "fed through a pipe" >&$w
	exec {w}>&-
	wait "$pid"
	cat busy.txt
	rm busy.err
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
