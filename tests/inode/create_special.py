#!/usr/bin/python3
"""create_special.py SRC MNT SECONDS ACCESS — FUSE_CREATE racing an outside
creator of a non-regular file.

For SECONDS, a child (natively, in SRC) keeps making SRC/x a FIFO and
removing it, while this process opens MNT/x with O_CREAT|ACCESS (ACCESS is
"rdwr" or "wronly"), closes it and unlinks it.  The kernel sends CREATE
when its LOOKUP found no x; by the time the daemon creates, x may be the
FIFO.  Natively such an open either creates a file or opens the FIFO
(O_RDWR never blocks; O_WRONLY blocks until a reader comes, which the
alarm below interrupts: EINTR).

Each open runs under a 0.3 s alarm whose handler raises, so an open that
the kernel lets signals interrupt ends with EINTR.  An open stuck in a
FUSE request that the daemon never answers is not interruptible: the
process then hangs, and the caller's watchdog reports it.

Prints one line "errno count" per outcome ("ok" for success)."""
import collections, errno, os, signal, sys, time


class Timeout(Exception):
    pass


def alarm(*_):
    raise Timeout()


src, mnt, secs, access = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
flags = os.O_CREAT | (os.O_RDWR if access == "rdwr" else os.O_WRONLY)
signal.signal(signal.SIGALRM, alarm)
deadline = time.monotonic() + secs
pid = os.fork()
if pid == 0:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    while time.monotonic() < deadline:
        try:
            os.mkfifo(os.path.join(src, "x"))
        except FileExistsError:
            pass
        try:
            os.unlink(os.path.join(src, "x"))
        except FileNotFoundError:
            pass
    os._exit(0)

stats = collections.Counter()
path = os.path.join(mnt, "x")
while time.monotonic() < deadline:
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        fd = os.open(path, flags, 0o644)
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.close(fd)
        stats["ok"] += 1
    except Timeout:
        stats["EINTR"] += 1
    except OSError as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        stats[errno.errorcode.get(e.errno, str(e.errno))] += 1
    signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        os.unlink(path)
    except OSError:
        pass
os.waitpid(pid, 0)
for k in sorted(stats):
    print(k, stats[k])
