"""seek_storm.py DIR N — N processes each write 1 MiB into the middle of a
sparse file of their own (not synced: the writeback cache keeps it dirty in
the mount's page cache), wait until all have written, then all ask
SEEK_DATA and SEEK_HOLE at once.  Each answer needs the kernel to write the
dirty pages back first; a daemon that waits for that on its FUSE workers
has none left to serve the writes once N >= its thread count, and every
seek hangs.  Prints one line per process, to be compared with a native
run; exits 0 once all have answered."""
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
ready_r, ready_w = os.pipe()
go_r, go_w = os.pipe()
kids = []
for i in range(n):
    pid = os.fork()
    if pid == 0:
        # not the caller's stdout: a child stuck in a hung mount must not
        # keep the caller reading it
        nul = os.open(os.devnull, os.O_WRONLY)
        os.dup2(nul, 1); os.close(nul)
        os.close(ready_r); os.close(go_w)
        p = os.path.join(d, "storm%d" % i)
        fd = os.open(p, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
        os.ftruncate(fd, 4 << 20)
        os.pwrite(fd, bytes([65 + i % 26]) * (1 << 20), 1 << 20)
        os.write(ready_w, b"r")
        os.read(go_r, 1)
        res = []
        for off, w, name in ((0, os.SEEK_DATA, "DATA"), (1 << 20, os.SEEK_HOLE, "HOLE"),
                             (3 << 20, os.SEEK_DATA, "DATA")):
            try:
                res.append("%s(%d)=%d" % (name, off, os.lseek(fd, off, w)))
            except OSError as e:
                res.append("%s(%d)=E%d" % (name, off, e.errno))
        os.close(fd)
        with open(os.path.join(d, "result%d" % i), "w") as f:
            f.write("storm%d %s\n" % (i, " ".join(res)))
        os._exit(0)
    kids.append(pid)
os.close(ready_w); os.close(go_r)
got = 0
while got < n:
    b = os.read(ready_r, n - got)
    if not b:
        sys.exit("a writer died before it was ready")
    got += len(b)
os.write(go_w, b"g" * n)
bad = 0
for pid in kids:
    _, st = os.waitpid(pid, 0)
    bad += st != 0
for i in range(n):
    print(open(os.path.join(d, "result%d" % i)).read(), end="")
sys.exit(1 if bad else 0)
