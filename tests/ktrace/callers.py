#!/usr/bin/env python3
"""callers.py PATH N COUNT — N processes, process i stats PATH-i COUNT
times, all started together (a pipe releases them at once); exit 0 when
every one finished.  Each process has a file of its own (PATH-i, which
must exist): the kernel serialises lookups in one directory unless the
filesystem negotiated parallel directory operations, but not the
revalidation of an existing entry and its GETATTR."""
import os
import sys

path, n, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r, w = os.pipe()
kids = []
for i in range(n):
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.read(r, 1)          # wait for the start signal (EOF)
        mine = f'{path}-{i}'
        for _ in range(count):
            os.stat(mine)
        os._exit(0)
    kids.append(pid)
os.close(r)
os.close(w)                    # EOF: all start
bad = 0
for pid in kids:
    _, status = os.waitpid(pid, 0)
    bad += status != 0
sys.exit(1 if bad else 0)
