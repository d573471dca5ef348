"""parallel_opens.py DIR — threads opening, reading and closing one file at
once, and others opening it O_DIRECT, over and over: under passthrough
every open must succeed (one backing id per inode: a second registration
for an inode with passthrough files open would make the kernel refuse the
open with EIO).  Exits non-zero on the first error or wrong data."""
import mmap, os, sys, threading

path = os.path.join(sys.argv[1], "shared")
want = bytes(range(256)) * 256          # 64 KiB
with open(path, "wb") as f:
    f.write(want)
errors = []

def plain(n):
    for _ in range(n):
        fd = os.open(path, os.O_RDONLY)
        try:
            if os.pread(fd, len(want), 0) != want:
                errors.append("wrong data")
        finally:
            os.close(fd)

def direct(n):
    buf = mmap.mmap(-1, 65536)
    for _ in range(n):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
        try:
            if os.preadv(fd, [buf], 0) != 65536 or buf[:] != want:
                errors.append("wrong O_DIRECT data")
        finally:
            os.close(fd)

threads = [threading.Thread(target=plain, args=(300,)) for _ in range(6)]
threads += [threading.Thread(target=direct, args=(100,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    print("errors: %d, first: %s" % (len(errors), errors[0]))
    sys.exit(1)
print("parallel opens ok")
