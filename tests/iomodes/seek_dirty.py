"""seek_dirty.py DIR — SEEK_DATA/SEEK_HOLE around data the kernel may still
hold dirty: a sparse file written with write(2) and not synced (the
writeback cache keeps it in the mount's page cache), and a sparse file
written through a shared mapping and not msync'ed.  Prints one line of
results, to be compared with a native run."""
import os, sys, mmap
d = sys.argv[1]
out = []
# writeback / page cache: a sparse file with data written at 1 MiB, not synced
p = os.path.join(d, "sparse")
fd = os.open(p, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
os.ftruncate(fd, 4 << 20)
os.pwrite(fd, b"x" * 65536, 1 << 20)
for off in (0, 1 << 20, (1 << 20) + 4096, 2 << 20):
    for w, name in ((os.SEEK_DATA, "DATA"), (os.SEEK_HOLE, "HOLE")):
        try:
            out.append("%s(%d)=%d" % (name, off, os.lseek(fd, off, w)))
        except OSError as e:
            out.append("%s(%d)=E%d" % (name, off, e.errno))
os.close(fd)
# shared mmap written, not msync'ed
p = os.path.join(d, "mapped")
fd = os.open(p, os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
os.ftruncate(fd, 4 << 20)
m = mmap.mmap(fd, 4 << 20, mmap.MAP_SHARED)
m[2 << 20:(2 << 20) + 10] = b"y" * 10
for off in (0, 2 << 20):
    for w, name in ((os.SEEK_DATA, "DATA"), (os.SEEK_HOLE, "HOLE")):
        try:
            out.append("m%s(%d)=%d" % (name, off, os.lseek(fd, off, w)))
        except OSError as e:
            out.append("m%s(%d)=E%d" % (name, off, e.errno))
m.close(); os.close(fd)
print(" ".join(out))
