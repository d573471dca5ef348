set -e
/usr/bin/python3 - <<'PY'
import os
fd = os.open("victim", os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b"before unlink\n")
os.unlink("victim")
assert not os.path.exists("victim")
os.write(fd, b"after unlink\n")
os.lseek(fd, 0, os.SEEK_SET)
data = os.read(fd, 100)
assert data == b"before unlink\nafter unlink\n", data
assert os.fstat(fd).st_nlink == 0
os.close(fd)
PY
