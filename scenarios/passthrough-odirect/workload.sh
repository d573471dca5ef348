set -e
prog='
import mmap, os, sys
path = sys.argv[1]
out = []
buf = mmap.mmap(-1, 1 << 20)
buf.write(bytes(range(256)) * 4096)
fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_DIRECT, 0o644)
out.append("write %d" % os.pwritev(fd, [buf], 0))
rd = mmap.mmap(-1, 1 << 20)
out.append("read %d" % os.preadv(fd, [rd], 0))
out.append("same %s" % (rd[:] == buf[:]))
try:
    os.pread(fd, 100, 1)
    out.append("unaligned ok")
except OSError as e:
    out.append("unaligned %s" % e.errno)
os.close(fd)
with open(path, "rb") as f:
    out.append("buffered %s" % (f.read() == buf[:]))
out.append("size %d" % os.stat(path).st_size)
print("\n".join(out))
'
native=$(/usr/bin/python3 -c "$prog" "$FT_SCRATCH/native-direct")
mounted=$(/usr/bin/python3 -c "$prog" direct)
echo "native:  $native" | tr '\n' ' '; echo
echo "mounted: $mounted" | tr '\n' ' '; echo
[ "$native" = "$mounted" ]
