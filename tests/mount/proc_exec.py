#!/usr/bin/env python3
"""proc_exec.py MNT WHAT N READERS — a process that execs N times in a row,
each time holding a close-on-exec fd on MNT/f (so each exec sends a FLUSH
from inside the exec, with its exec_update_lock held), while READERS
processes open and read MNT/proc/PID/WHAT of it in a loop (MNT/proc: a
procfs mounted inside the source).  Prints "done" once all have ended.
(proc_exec.py --exec MNT N: the exec'ing process itself.)"""
import os
import sys
import time

if sys.argv[1] == "--exec":
    mnt, n = sys.argv[2], int(sys.argv[3])
    if n > 0:
        os.open(os.path.join(mnt, "f"), os.O_RDONLY | os.O_CLOEXEC)
        os.execv(sys.executable, [sys.executable, sys.argv[0], "--exec", mnt, str(n - 1)])
    sys.exit(0)

mnt, what, n, nreaders = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w)
    os.read(r, 1)
    os.execv(sys.executable, [sys.executable, sys.argv[0], "--exec", mnt, str(n)])
os.close(r)
path = os.path.join(mnt, "proc", str(pid), what)


def running(pid):
    """Whether pid exists and is not a zombie (it may end between any two
    of these reads: then it is not running)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return not f.read().split(") ")[-1].startswith("Z")
    except OSError:
        return False


readers = []
for _ in range(nreaders):
    p = os.fork()
    if p == 0:
        # until the exec'ing process is gone (its /proc entry with it)
        while running(pid):
            try:
                with open(path, "rb") as f:
                    f.read()
            except OSError:
                pass
        os._exit(0)
    readers.append(p)
time.sleep(0.2)
os.write(w, b"g")
os.waitpid(pid, 0)
for p in readers:
    os.waitpid(p, 0)
print("done")
