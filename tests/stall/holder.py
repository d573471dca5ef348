#!/usr/bin/env python3
"""holder.py MODE PATH READY — hold something on PATH, directly on the
source (outside any mount), until killed; create READY once it is held.

  lease  a read lease (F_SETLEASE): an open of PATH for writing then waits
         in the kernel (break_lease) until the lease goes away
  flock  an exclusive flock lock
  posix  an exclusive POSIX record lock (lockf) on the whole file
"""
import fcntl
import os
import signal
import sys

mode, path, ready = sys.argv[1:4]
# A lease break is announced with SIGIO, whose default action would end us
# and so release the lease at once: hold on until we are killed.
signal.signal(signal.SIGIO, lambda sig, frame: None)
signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(0))
fd = os.open(path, os.O_RDONLY if mode == 'lease' else os.O_RDWR)
if mode == 'lease':
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
elif mode == 'flock':
    fcntl.flock(fd, fcntl.LOCK_EX)
elif mode == 'posix':
    fcntl.lockf(fd, fcntl.LOCK_EX)
else:
    sys.exit(f'holder.py: unknown mode {mode}')
with open(ready, 'w'):
    pass
while True:
    signal.pause()
