set -e
echo file-content > x
mkdir y && echo inside > y/inner
/usr/bin/python3 - <<'PY'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.renameat2(AT_FDCWD, b"x", AT_FDCWD, b"y", RENAME_EXCHANGE) != 0:
    raise OSError(ctypes.get_errno(), "renameat2")
assert os.path.isdir("x") and open("x/inner").read() == "inside\n"
assert open("y").read() == "file-content\n"
# exchanging with a missing name fails with ENOENT
assert libc.renameat2(AT_FDCWD, b"x", AT_FDCWD, b"missing", RENAME_EXCHANGE) != 0
assert ctypes.get_errno() == 2
PY
