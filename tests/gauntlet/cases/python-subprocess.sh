#!/bin/bash
# python-subprocess: a python3 program that lives on the mount starts
# processes in the ways python programs do: subprocess.run (a shell, and
# another script of the mount under the same interpreter), Popen with pipes
# (a shell script of the mount as a filter; a cat | sort pipeline),
# multiprocessing pools of 2 (fork, and spawn, whose workers start a fresh
# interpreter that imports the program from the mount again) writing files
# on the mount, and os.fork + os.execv of a script of the mount (its #!
# line names the interpreter).  Only the parent prints; what the children
# did is read back from the files they wrote.
timeout=60
comms=(python3)
pids=12  # the program, its pool workers (2 + 2), and the children it starts
checks=(
	# the program, run once and imported again by each of the 2 spawn workers
	"3|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND file = '/main.py'"
	# every pool worker (2 fork, 2 spawn) says it started in a file of the
	# mount; the tasks' files are written by workers of both pools
	"4|SELECT count(DISTINCT pid) FROM op WHERE op IN ('OPEN', 'CREATE') AND file LIKE '/out/workers-%' AND comm = 'python3'"
	"2|SELECT count(DISTINCT pid) FROM op WHERE op = 'CREATE' AND file LIKE '/out/part-%' AND comm = 'python3'"
	# the scripts of the mount that are run: opened by exec and by their interpreter
	"1|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND file = '/bin/child.py'"
	"1|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND file = '/bin/upper.sh'"
	"1|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND file = '/helper.py'"
	"1|SELECT count(*) FROM op WHERE op = 'CREATE' AND file = '/out/child.txt'"
)
ignore=()

prepare() {
	mkdir "$1/bin" "$1/out"
	cat > "$1/main.py" <<'PY'
import hashlib, multiprocessing, os, subprocess, sys


def work(arg):
    """a pool task: write a file of the mount, return its name and digest"""
    kind, i = arg
    path = f"out/part-{kind}-{i}.txt"
    with open(path, "w") as f:
        for k in range(3000):
            f.write(f"{kind} {i} {k} {k * i}\n")
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    return path, digest, os.getpid()


def started(kind):
    """a pool worker's initializer: every worker runs it, whatever the tasks"""
    with open(f"out/workers-{kind}.txt", "a") as f:
        f.write("worker started\n")


def pool(kind):
    ctx = multiprocessing.get_context(kind)
    # close and join (not `with`, which terminates the workers: one that had
    # not yet run its initializer when the tasks were done would never run it)
    p = ctx.Pool(2, initializer=started, initargs=(kind,))
    try:
        results = p.map(work, [(kind, i) for i in range(6)], chunksize=1)
    finally:
        p.close()
        p.join()
    for path, digest, _ in results:
        print(f"{kind} pool: {path} {digest}")
    pids = {pid for _, _, pid in results}
    print(f"{kind} pool: {len(results)} tasks, none in the parent: {os.getpid() not in pids}")
    with open(f"out/workers-{kind}.txt") as f:
        print(f"{kind} pool: {len(f.readlines())} workers started")


def stop_resource_tracker():
    """The spawn pool started multiprocessing's resource tracker, a process
    that ends once it reads EOF on its pipe, i.e. after this process exits:
    it would still be running (its cwd on the mount) when the workload ends.
    Close our end and wait for it (private names of python 3.11's module)."""
    from multiprocessing import resource_tracker
    tracker = resource_tracker._resource_tracker
    if tracker._fd is not None:
        os.close(tracker._fd)
        tracker._fd = None
        os.waitpid(tracker._pid, 0)
        tracker._pid = None


def main():
    r = subprocess.run(["sh", "-c", "echo from sh; ls bin | sort"], capture_output=True,
                       text=True, check=True)
    print("run sh:", r.stdout.split())
    r = subprocess.run([sys.executable, "helper.py", "one", "two"], capture_output=True,
                       text=True)
    print("run helper.py:", r.returncode, r.stdout.strip(), "|", r.stderr.strip())

    p = subprocess.Popen(["./bin/upper.sh"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = p.communicate(b"through a pipe\nand back\n")
    print("popen upper.sh:", p.returncode, out.decode().split("\n"))
    cat = subprocess.Popen(["cat", "numbers.txt"], stdout=subprocess.PIPE)
    sort = subprocess.Popen(["sort", "-rn"], stdin=cat.stdout, stdout=subprocess.PIPE)
    cat.stdout.close()
    top = sort.stdout.read().split()[:3]
    print("popen cat | sort:", cat.wait(), sort.wait(), [t.decode() for t in top])

    pool("fork")
    pool("spawn")

    sys.stdout.flush()      # not to be printed twice by the child
    pid = os.fork()
    if pid == 0:
        try:
            os.execv("./bin/child.py", ["./bin/child.py", "forked"])
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    print("fork+exec child.py: exit", os.waitstatus_to_exitcode(status))
    with open("out/child.txt") as f:
        print("child.py wrote:", f.read().strip())
    stop_resource_tracker()


if __name__ == "__main__":
    main()
PY
	cat > "$1/helper.py" <<'PY'
import sys
print("helper args", sys.argv[1:])
print("helper stderr", file=sys.stderr)
sys.exit(3)
PY
	cat > "$1/bin/upper.sh" <<'SH'
#!/bin/sh
# a filter of the mount: upper-cases its input, keeping a copy
tr a-z A-Z | tee out/upper.txt
SH
	cat > "$1/bin/child.py" <<'PY'
#!/usr/bin/python3
import os, sys
with open("out/child.txt", "w") as f:
    f.write(f"child.py {sys.argv[1:]} parent is python: {os.getppid() > 1}\n")
sys.exit(5)
PY
	chmod 755 "$1/bin/upper.sh" "$1/bin/child.py"
	seq 1 5000 | sort -R --random-source=/dev/zero > "$1/numbers.txt"
}

workload() {
	/usr/bin/python3 main.py
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
