#!/usr/bin/env python3
"""lease.py PATH READY — hold a read lease on PATH (directly on the source,
outside any mount) until killed; create READY once it is held.  An open of
PATH for writing then waits in the kernel (break_lease) until the lease
goes away: a daemon thread that opens it is blocked there."""
import fcntl
import os
import signal
import sys

path, ready = sys.argv[1:3]
# The lease break is announced with SIGIO, whose default action would end
# us and release the lease at once.
signal.signal(signal.SIGIO, lambda sig, frame: None)
fd = os.open(path, os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
with open(ready, 'w'):
    pass
while True:
    signal.pause()
