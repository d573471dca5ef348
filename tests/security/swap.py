#!/usr/bin/python3
"""swap.py SRC MNT OUTSIDE SECONDS — the symlink-swap races.  Two processes
for SECONDS:
  swapper (on the source, natively): over and over, replaces
      SRC/dir/target   with a symlink to OUTSIDE/victim, then with nothing;
      SRC/dir2         (a directory) with a symlink to OUTSIDE, then back;
  opener (through the mount): open(MNT/dir/target, O_CREAT|O_WRONLY) and
      writes "PWNED"; open(MNT/dir2/new, O_CREAT|O_WRONLY|O_TRUNC) and
      writes; mkdir MNT/dir2/sub; also O_CREAT|O_TRUNC on the file name.
Prints counts: attempts, successes, errors by errno."""
import collections, errno, os, sys, time

src, mnt, outside, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
deadline = time.monotonic() + secs
pid = os.fork()
if pid == 0:
    d = os.path.join(src, "dir")
    t = os.path.join(d, "target")
    d2 = os.path.join(src, "dir2")
    tmpl = os.path.join(src, ".lnk")
    tmpd = os.path.join(src, ".dir2.real")
    n = 0
    while time.monotonic() < deadline:
        try:
            # file name -> symlink to the outside victim (atomic rename over)
            try:
                os.unlink(tmpl)
            except FileNotFoundError:
                pass
            os.symlink(os.path.join(outside, "victim"), tmpl)
            os.rename(tmpl, t)
            os.unlink(t)
            # directory component -> symlink to the outside directory
            os.rename(d2, tmpd)
            os.symlink(outside, d2)
            os.unlink(d2)
            os.rename(tmpd, d2)
        except OSError as e:
            # the opener may have created things in between: tidy and go on
            if os.path.islink(d2):
                os.unlink(d2)
            if os.path.isdir(tmpd) and not os.path.exists(d2):
                os.rename(tmpd, d2)
        n += 1
    print("swaps", n, flush=True)
    os._exit(0)

stats = collections.Counter()
while time.monotonic() < deadline:
    for path, flags, kind in (
            (os.path.join(mnt, "dir", "target"), os.O_CREAT | os.O_WRONLY, "file"),
            (os.path.join(mnt, "dir", "target"), os.O_CREAT | os.O_WRONLY | os.O_TRUNC, "file-trunc"),
            (os.path.join(mnt, "dir2", "new"), os.O_CREAT | os.O_WRONLY | os.O_TRUNC, "dir-component")):
        stats[kind + " attempts"] += 1
        try:
            fd = os.open(path, flags, 0o644)
            try:
                os.write(fd, b"PWNED\n")
            finally:
                os.close(fd)
            stats[kind + " ok"] += 1
        except OSError as e:
            stats[kind + " " + errno.errorcode.get(e.errno, str(e.errno))] += 1
    try:
        os.mkdir(os.path.join(mnt, "dir2", "sub"))
        os.rmdir(os.path.join(mnt, "dir2", "sub"))
        stats["mkdir ok"] += 1
    except OSError as e:
        stats["mkdir " + errno.errorcode.get(e.errno, str(e.errno))] += 1
os.waitpid(pid, 0)
for k in sorted(stats):
    print(k, stats[k])
