#!/bin/bash
# repro: a Python program holds a file it wrote open while it runs
# subprocesses with close_fds=False; each child's exec closes the
# inherited close-on-exec descriptor, which sends FLUSH from the exec'ing
# child.  A filesystem that waits on that child while serving the FLUSH
# (e.g. reading its /proc entries) deadlocks with the exec.
timeout=30
comms=(python3)
pids=6   # the program and its 5 children
checks=(
	# the FLUSH that each child's exec sends, and the program's own
	"6|SELECT count(DISTINCT pid) FROM op WHERE op = 'FLUSH' AND path = '/x.txt'"
)
ignore=()

prepare() {
	cat > "$1/dl.py" <<'PY'
import subprocess
f = open('x.txt', 'w'); f.write('hi'); f.flush()
for i in range(5): subprocess.run(['/bin/true'], close_fds=False)
print('done')
PY
}

workload() { python3 dl.py; }

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
