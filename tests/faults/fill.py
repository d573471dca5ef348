#!/usr/bin/python3
"""fill.py DIR — fill DIR's filesystem: a fixed, deterministic sequence of
creates, writes and fsyncs, printing one line per syscall with its result
(byte count or errno name).  Run natively and through a mount on identical
small filesystems, the two transcripts must be identical."""
import errno, os, sys

d = sys.argv[1]
chunk = b"x" * 65536
out = []

def res(f, *a):
    try:
        r = f(*a)
        return r, ("ok" if r is None else str(r))
    except OSError as e:
        return None, errno.errorcode.get(e.errno, str(e.errno))

# 0. an odd-sized file, so that a later write is cut short, not refused
fd, s = res(os.open, os.path.join(d, "odd"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
out.append("open odd %s" % ("ok" if fd is not None else s))
if fd is not None:
    _, s = res(os.write, fd, b"y" * 12345)
    out.append("write odd %s" % s)
    os.close(fd)
# 1. big files written in 64 KiB chunks until the data blocks run out
for i in range(8):
    fd, s = res(os.open, os.path.join(d, "big%d" % i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    out.append("open big%d %s" % (i, "ok" if fd is not None else s))
    if fd is None:
        continue
    for k in range(8):
        _, s = res(os.write, fd, chunk)
        out.append("write big%d #%d %s" % (i, k, s))
    _, s = res(os.fsync, fd)
    out.append("fsync big%d %s" % (i, s))
    _, s = res(os.close, fd)
    out.append("close big%d %s" % (i, s))
    _, s = res(os.stat, os.path.join(d, "big%d" % i))
    st = os.stat(os.path.join(d, "big%d" % i)) if _ is not None else None
    out.append("size big%d %s" % (i, st.st_size if st else s))
# 2. empty files and directories until the inodes run out
for i in range(64):
    fd, s = res(os.open, os.path.join(d, "e%d" % i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    out.append("create e%d %s" % (i, "ok" if fd is not None else s))
    if fd is not None:
        os.close(fd)
    _, s = res(os.mkdir, os.path.join(d, "m%d" % i))
    out.append("mkdir m%d %s" % (i, s))
    _, s = res(os.symlink, "t" * 200, os.path.join(d, "l%d" % i))
    out.append("symlink l%d %s" % (i, s))
# 3. freeing space makes writes work again
for i in range(8):
    res(os.unlink, os.path.join(d, "big%d" % i))
fd, s = res(os.open, os.path.join(d, "after"), os.O_WRONLY | os.O_CREAT, 0o644)
out.append("open after %s" % ("ok" if fd is not None else s))
if fd is not None:
    _, s = res(os.write, fd, chunk)
    out.append("write after %s" % s)
    os.close(fd)
print("\n".join(out))
