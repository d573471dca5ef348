#!/bin/bash
# attrs.sh DIR — the inode flags through lsattr/chattr (FS_IOC_GETFLAGS,
# FS_IOC_SETFLAGS) and FS_IOC_FSGETXATTR (python's fcntl.ioctl), on a file
# and a directory; an append-only file refuses a truncating open and takes
# an append.  Prints what happened, to be compared with a native run.
cd "$1" || exit 2
out() { printf '%s\n' "$*"; }
touch f; mkdir -p d
out "lsattr-f $(lsattr f 2>&1 | cut -d' ' -f1)"
out "lsattr-d $(lsattr -d d 2>&1 | cut -d' ' -f1)"
chattr +a f; out "chattr+a $?"
out "lsattr-f $(lsattr f 2>&1 | cut -d' ' -f1)"
(echo appended >> f) 2>/dev/null; out "append $?"
(echo over > f) 2>/dev/null; out "truncate $?"
rm -f f 2>/dev/null; out "unlink $?"
out "content $(cat f)"
/usr/bin/python3 - <<'PY'
import fcntl, os, struct
FS_IOC_FSGETXATTR = 0x801c581f
fd = os.open("f", os.O_RDONLY)
buf = fcntl.ioctl(fd, FS_IOC_FSGETXATTR, bytes(28))
xflags = struct.unpack("=I", buf[:4])[0]
print("fsxattr-append %d" % (1 if xflags & 0x10 else 0))
try:
    fcntl.ioctl(fd, 0x5401, bytes(64))      # TCGETS: not a terminal
    print("tcgets ok")
except OSError as e:
    print("tcgets %d" % e.errno)
os.close(fd)
PY
chattr -a f; out "chattr-a $?"
rm f; out "unlink $?"
chattr +A d; out "chattr+A-dir $?"
out "lsattr-d $(lsattr -d d 2>&1 | cut -d' ' -f1)"
chattr -A d; rmdir d
