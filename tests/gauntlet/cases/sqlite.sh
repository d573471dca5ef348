#!/bin/bash
# sqlite: a database on the mount in WAL mode and in rollback-journal mode,
# each with two processes at once: a writer (python's sqlite3 module)
# inserting rows in transactions of 10 while a reader queries the count in
# a loop; the reader must only ever see whole transactions.  Then the
# sqlite3 CLI checks the database (PRAGMA integrity_check) and prints an
# ordered dump.  WAL mode maps the -shm file shared and writable and takes
# POSIX byte-range locks on it and on the database; rollback-journal mode
# locks byte ranges of the database and creates and deletes the -journal
# file for every transaction.  The writer checkpoints often (the log copied
# into the database while the reader reads); the reader reads the database
# through a shared mapping (mmap_size) while the writer writes it.  (Under --io=direct a shared writable mapping
# is only possible because the daemon asks for FUSE_DIRECT_IO_ALLOW_MMAP at
# INIT; without it mmap fails with ENODEV and WAL mode cannot open.)
timeout=60
comms=(python3 sqlite3)
pids=12  # in each journal mode: the sqlite3 CLI 4 times, the writer, the reader, ls
checks=(
	# (`file`: the file a request is about, also for CREATE and UNLINK)
	# each database opened by the CLIs, the writer and the reader
	"4|SELECT count(DISTINCT pid) FROM op WHERE op IN ('OPEN', 'CREATE') AND file = '/wal.db'"
	"4|SELECT count(DISTINCT pid) FROM op WHERE op IN ('OPEN', 'CREATE') AND file = '/journal.db'"
	# WAL mode: the shared-memory index and the log on the mount, locked by
	# the writer and the reader while both run
	"4|SELECT count(DISTINCT pid) FROM op WHERE op IN ('OPEN', 'CREATE') AND file = '/wal.db-shm'"
	"1|SELECT count(*) FROM op WHERE op IN ('OPEN', 'CREATE') AND file = '/wal.db-wal'"
	"2|SELECT count(DISTINCT pid) FROM op WHERE op IN ('SETLK', 'SETLKW') AND file = '/wal.db-shm' AND comm = 'python3'"
	# rollback-journal mode: a journal created and unlinked for each of the
	# writer's 20 transactions; the database locked by the writer and the reader
	"20|SELECT count(*) FROM op WHERE op = 'CREATE' AND file = '/journal.db-journal'"
	"20|SELECT count(*) FROM op WHERE op = 'UNLINK' AND file = '/journal.db-journal'"
	"2|SELECT count(DISTINCT pid) FROM op WHERE op IN ('SETLK', 'SETLKW') AND file = '/journal.db' AND comm = 'python3'"
	# the inserts reach the log and the journal's database as writes
	"data:20|SELECT count(*) FROM op WHERE op = 'WRITE' AND file = '/wal.db-wal'"
	# the writer's checkpoints copy the log into the database
	"data:20|SELECT count(*) FROM op WHERE op = 'WRITE' AND file = '/wal.db' AND comm = 'python3'"
	"data:20|SELECT count(*) FROM op WHERE op = 'WRITE' AND file = '/journal.db'"
)
ignore=()

prepare() {
	cat > "$1/writer.py" <<'PY'
# writer.py DB MODE: 20 transactions of 10 rows each, a pause between them
import sqlite3, sys, time
db, mode = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, timeout=20, isolation_level=None)
# WAL: checkpoints (the log copied into the database) while the reader reads
con.execute("PRAGMA wal_autocheckpoint = 8")
for t in range(20):
    con.execute("BEGIN IMMEDIATE")
    for i in range(10):
        n = t * 10 + i
        con.execute("INSERT INTO item (n, name, blob) VALUES (?, ?, ?)",
                    (n, f"item-{n:03d}", bytes([n % 251]) * (100 + n)))
    con.execute("UPDATE meta SET value = value + 1 WHERE key = 'transactions'")
    con.execute("COMMIT")
    time.sleep(0.02)
con.close()
PY
	cat > "$1/reader.py" <<'PY'
# reader.py DB: count the rows until the writer's 200 are there; every count
# must be a whole number of transactions and agree with the meta row
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=20, isolation_level=None)
# the database read through a shared mapping while the writer writes it
con.execute("PRAGMA mmap_size = 4194304")
bad, reads, deadline = 0, 0, time.monotonic() + 40
while True:
    con.execute("BEGIN")
    (n,) = con.execute("SELECT count(*) FROM item").fetchone()
    (t,) = con.execute("SELECT value FROM meta WHERE key = 'transactions'").fetchone()
    con.execute("COMMIT")
    reads += 1
    if n % 10 or n != t * 10:
        bad += 1
    if n == 200 or time.monotonic() > deadline:
        break
    time.sleep(0.01)
con.close()
print(f"reader: final count {n}, inconsistent reads {bad}, read more than once: {reads > 1}")
PY
}

# one_mode MODE DB: the concurrent writer and reader, then check and dump
one_mode() {
	local mode=$1 db=$2 w r
	sqlite3 "$db" "PRAGMA journal_mode = $mode;" \
		"CREATE TABLE item (n INTEGER PRIMARY KEY, name TEXT NOT NULL, blob BLOB);" \
		"CREATE INDEX item_name ON item (name);" \
		"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER);" \
		"INSERT INTO meta VALUES ('transactions', 0);"
	/usr/bin/python3 writer.py "$db" "$mode" & w=$!
	/usr/bin/python3 reader.py "$db" & r=$!
	wait "$w" || { echo "$mode: writer failed" >&2; return 1; }
	wait "$r" || { echo "$mode: reader failed" >&2; return 1; }
	sqlite3 "$db" "PRAGMA integrity_check;" "PRAGMA journal_mode;" \
		"SELECT count(*), sum(length(blob)), max(name) FROM item;" \
		"SELECT * FROM meta;"
	sqlite3 "$db" "SELECT n, name, hex(substr(blob, 1, 4)), length(blob) FROM item ORDER BY n;" | md5sum
	sqlite3 "$db" .dump | grep -v '^INSERT INTO item '
	ls
}

workload() {
	echo "== wal"
	one_mode wal wal.db
	echo "== journal"
	one_mode delete journal.db
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
