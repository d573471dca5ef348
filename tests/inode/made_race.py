#!/usr/bin/python3
"""made_race.py SRC MNT SECONDS KIND — mkdir/symlink through the mount while
an outside process replaces the new name with a FIFO.

KIND is "mkdir" or "symlink".  For SECONDS a child (natively, in SRC)
keeps removing SRC/n (whatever it is), making it a FIFO and removing that;
this process makes MNT/n (a directory or a symlink) and removes it.  The
daemon looks the name up after making it: by then it may be the FIFO.
Natively such a call succeeds or fails with EEXIST.

Prints one line "errno count" per outcome ("ok" for success)."""
import collections, errno, os, sys, time

src, mnt, secs, kind = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
deadline = time.monotonic() + secs
s, m = os.path.join(src, "n"), os.path.join(mnt, "n")
pid = os.fork()
if pid == 0:
    while time.monotonic() < deadline:
        for f in (os.rmdir, os.unlink):
            try:
                f(s)
                break
            except OSError:
                pass
        try:
            os.mkfifo(s)
        except OSError:
            pass
        try:
            os.unlink(s)
        except OSError:
            pass
    os._exit(0)

stats = collections.Counter()
while time.monotonic() < deadline:
    try:
        if kind == "mkdir":
            os.mkdir(m)
        else:
            os.symlink("target", m)
        stats["ok"] += 1
    except OSError as e:
        stats[errno.errorcode.get(e.errno, str(e.errno))] += 1
    for f in (os.rmdir, os.unlink):
        try:
            f(m)
            break
        except OSError:
            pass
os.waitpid(pid, 0)
for k in sorted(stats):
    print(k, stats[k])
