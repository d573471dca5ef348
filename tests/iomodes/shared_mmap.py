#!/usr/bin/env python3
"""shared_mmap.py DIR — shared writable mappings of files in DIR, as sqlite's
WAL mode uses them: a file mapped MAP_SHARED by two processes at once, each
writing its half and reading the other's; then a sqlite database in WAL mode
(its -shm index is such a mapping).  Prints one line per step; a refused
mapping prints its errno name."""
import errno
import mmap
import os
import sqlite3
import sys

d = sys.argv[1]
path = os.path.join(d, "shared.map")
fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
os.ftruncate(fd, 8192)
try:
    m = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
except OSError as e:
    print("mmap shared:", errno.errorcode[e.errno])
    m = None
if m is not None:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # the child writes the second page through its own mapping of the
        # same file, then tells the parent
        fd2 = os.open(path, os.O_RDWR)
        m2 = mmap.mmap(fd2, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        m2[4096:4101] = b"child"
        os.write(w, b"x")
        os._exit(0)
    os.read(r, 1)
    os.waitpid(pid, 0)
    m[0:6] = b"parent"
    m.flush()
    print("mmap shared: ok; the parent sees", bytes(m[4096:4101]).decode(),
          "; read() sees", os.pread(fd, 6, 0).decode(), os.pread(fd, 5, 4096).decode())
    m.close()
os.close(fd)

db = os.path.join(d, "wal.db")
try:
    con = sqlite3.connect(db, isolation_level=None)
    mode = con.execute("PRAGMA journal_mode = wal").fetchone()[0]
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1), (2)")
    print("sqlite:", mode, con.execute("SELECT sum(x) FROM t").fetchone()[0])
    con.close()
except sqlite3.Error as e:
    print("sqlite:", e)
