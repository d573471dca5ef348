#!/usr/bin/python3
"""mkdb.py GOOD.DB OUTDIR — derive the bad databases readers.sh feeds to the
readers from one real recording: every way a file can fail to be a usable
recording.  Prints one line per file: NAME EXPECTED-WORDS (a regex the
reader's message must match)."""
import os, random, shutil, sqlite3, sys

good, out = sys.argv[1], sys.argv[2]
cases = []
def case(name, expect):
    cases.append((name, expect))
def path(name):
    return os.path.join(out, name)

case("missing.db", "no such file")
os.mkdir(path("directory.db")); case("directory.db", "directory")
open(path("empty.db"), "wb").close(); case("empty.db", "empty")
rnd = random.Random(8)
with open(path("random.db"), "wb") as f:
    f.write(bytes(rnd.randrange(256) for _ in range(65536)))
case("random.db", "not an SQLite")
data = open(good, "rb").read()
with open(path("header-only.db"), "wb") as f:
    f.write(data[:50])
case("header-only.db", "truncated|header")
with open(path("truncated-half.db"), "wb") as f:
    f.write(data[:len(data) // 2])
case("truncated-half.db", "truncated|corrupt")
with open(path("truncated-odd.db"), "wb") as f:
    f.write(data[:len(data) - 1000])
case("truncated-odd.db", "truncated|corrupt")
with open(path("magic-only.db"), "wb") as f:
    f.write(b"SQLite format 3\0" + bytes(rnd.randrange(256) for _ in range(3000)))
case("magic-only.db", "corrupt|not an SQLite|truncated")
c = sqlite3.connect(path("foreign.db"))
c.execute("CREATE TABLE t(x)"); c.execute("INSERT INTO t VALUES (1)"); c.commit(); c.close()
case("foreign.db", "not a fusetrace recording")
c = sqlite3.connect(path("foreign-session.db"))
c.execute("CREATE TABLE session(a, b)"); c.execute("PRAGMA user_version = 1"); c.commit(); c.close()
case("foreign-session.db", "session|not a|no such column|recording")
for name, sql, expect in [
        ("future.db", "PRAGMA user_version = 99", "newer"),
        ("version0.db", "PRAGMA user_version = 0", "not a fusetrace recording|version"),
        ("no-session-row.db", "DELETE FROM session", "session row|not a usable"),
        ("no-op-view.db", "DROP VIEW op", "op|no such"),
        ("bad-status.db", "PRAGMA ignore_check_constraints = 1; UPDATE session SET status = 'bogus', incomplete_reason = NULL", "incomplete|bogus|status")]:
    shutil.copy(good, path(name))
    c = sqlite3.connect(path(name)); c.executescript(sql); c.commit(); c.close()
    case(name, expect)
# corrupted pages past the header
shutil.copy(good, path("corrupt-pages.db"))
size = os.path.getsize(path("corrupt-pages.db"))
with open(path("corrupt-pages.db"), "r+b") as f:
    for _ in range(300):
        f.seek(rnd.randrange(4096, size)); f.write(bytes([rnd.randrange(256)]))
case("corrupt-pages.db", ".")
# Hostile file names: the name itself must reach the terminal escaped.
# (Printed names carry no space or newline: readers.sh reads "NAME EXPECT".)
hostile = "esc-\x1b[2J\x1b]0;pwned\x07-\x9b31m.db"
shutil.copy(path("random.db"), path(hostile)); case(hostile, "not an SQLite")
case("missing-\x1b[31m-\x07.db", "no such file")
deep = os.path.join(*(["d" * 200] * 19))      # a 3 800-byte path (PATH_MAX is 4096)
os.makedirs(path(deep))
shutil.copy(path("random.db"), path(os.path.join(deep, "x\x1b[H.db")))
case(os.path.join(deep, "x\x1b[H.db"), "not an SQLite")
for name, expect in cases:
    sys.stdout.buffer.write(os.fsencode(name) + b" " + expect.encode() + b"\n")
