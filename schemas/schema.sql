-- fusetrace recording schema, version 4.
--
-- A recording holds one session (id 1); a fleet database made by
-- `fusetrace import -o` holds several, one row of `session` each.  Session
-- k's rows carry keys offset by (k-1) << 40: every row id, every kernel
-- unique and nodeid (and each column naming one), and every thread,
-- process and path number; zero and NULL stay as they are.  Session 1's
-- offset is 0, so a single recording stores exactly what the recorder
-- wrote and every join of the views works unchanged within a session.
-- A session of a fleet is (key >> 40) + 1 of any of its row ids.  Every ts column is integer
-- nanoseconds of CLOCK_MONOTONIC relative to session.start_monotonic_ns
-- (CLOCK_MONOTONIC is also LTTng's clock, so the two recordings correlate).
-- 64-bit wire values (unique, nodeid, fh, flags) are stored bit-cast to
-- SQLite's signed INTEGER.  Tables are STRICT so a type mix-up is an error at
-- ingest instead of a surprise at query time.  Secondary indexes live in
-- indexes.sql and are built after ingest: maintaining them during capture
-- costs 16x in insert rate.  Columns are documented in schemas/README.md.

PRAGMA user_version = 4;

CREATE TABLE session (
    id                    INTEGER PRIMARY KEY,
    uuid                  TEXT NOT NULL,
    schema_version        INTEGER NOT NULL,
    status                TEXT NOT NULL
                          CHECK (status IN ('recording', 'complete', 'incomplete')),
    incomplete_reason     TEXT,
    start_realtime_ns     INTEGER NOT NULL,
    start_monotonic_ns    INTEGER NOT NULL,
    clock_offset_ns       INTEGER,
    end_ts                INTEGER,
    recorder_pid          INTEGER NOT NULL,
    fusetrace_version     TEXT NOT NULL,
    source                TEXT,
    mountpoint            TEXT,
    command               TEXT,
    options               TEXT,
    host                  TEXT,
    kernel                TEXT,
    libfuse_version       TEXT,
    capture_data          INTEGER NOT NULL,
    drop_mode             INTEGER NOT NULL,
    lttng                 INTEGER NOT NULL,
    ring_bytes            INTEGER NOT NULL,
    snapshot_data         INTEGER NOT NULL DEFAULT 0,
    kernel_proto_major    INTEGER,
    kernel_proto_minor    INTEGER,
    kernel_max_readahead  INTEGER,
    kernel_flags          INTEGER,
    proto_major           INTEGER,
    proto_minor           INTEGER,
    init_flags            INTEGER,
    max_readahead         INTEGER,
    max_write             INTEGER,
    max_background        INTEGER,
    congestion_threshold  INTEGER,
    time_gran             INTEGER,
    max_pages             INTEGER,
    init_ts               INTEGER,
    entry_timeout_ns      INTEGER,
    attr_timeout_ns       INTEGER,
    events_seen           INTEGER NOT NULL DEFAULT 0,
    events_stored         INTEGER NOT NULL DEFAULT 0,
    events_lost           INTEGER NOT NULL DEFAULT 0,
    requests_seen         INTEGER NOT NULL DEFAULT 0,
    replies_seen          INTEGER NOT NULL DEFAULT 0,
    -- Which sides of /dev/fuse were recorded: the daemon's (the wire tap)
    -- and, with --kernel-trace, the kernel's (tracefs fuse events).
    sides                 TEXT NOT NULL DEFAULT 'daemon'
                          CHECK (sides IN ('daemon', 'daemon+kernel')),
    kernel_trace_note     TEXT,
    kernel_connection     INTEGER,
    kernel_events_lost    INTEGER NOT NULL DEFAULT 0,
    -- The relay's name of the session (SESSION-DATETIME) when imported
    -- from a relay daemon's output; NULL otherwise.
    session_name          TEXT
) STRICT;

CREATE TABLE request (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    unique_id      INTEGER NOT NULL,
    opcode         INTEGER NOT NULL,
    nodeid         INTEGER NOT NULL,
    uid            INTEGER NOT NULL,
    gid            INTEGER NOT NULL,
    pid            INTEGER NOT NULL,
    process_id     INTEGER,
    thread         INTEGER NOT NULL,
    len            INTEGER NOT NULL,
    path_id        INTEGER,
    path2_id       INTEGER,
    entry_path_id  INTEGER,
    entry2_path_id INTEGER,
    name           TEXT,
    name2          TEXT,
    nodeid2        INTEGER,
    fh             INTEGER,
    offset         INTEGER,
    size           INTEGER,
    flags          INTEGER,
    mode           INTEGER,
    umask          INTEGER,
    lock_type      INTEGER,
    lock_start     INTEGER,
    lock_end       INTEGER,
    valid          INTEGER,
    nlookup        INTEGER,
    target_unique  INTEGER,
    extra          TEXT,
    data           BLOB,
    tap_edit       TEXT
) STRICT;

-- Keyed by the kernel's unique: it is never reused on a connection and a
-- reply is written once, so the op view joins by rowid without any index
-- (also on a database left behind by a killed recorder).
CREATE TABLE reply (
    unique_id      INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    thread         INTEGER NOT NULL,
    opcode         INTEGER,
    error          INTEGER NOT NULL,
    len            INTEGER NOT NULL,
    nodeid         INTEGER,
    generation     INTEGER,
    attr_mode      INTEGER,
    attr_size      INTEGER,
    attr_ino       INTEGER,
    attr_uid       INTEGER,
    attr_gid       INTEGER,
    fh             INTEGER,
    open_flags     INTEGER,
    bytes          INTEGER,
    count          INTEGER,
    name           TEXT,
    extra          TEXT,
    data           BLOB,
    tap_edit       TEXT
) STRICT;

CREATE TABLE notify (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    thread         INTEGER NOT NULL,
    code           INTEGER NOT NULL,
    len            INTEGER NOT NULL,
    nodeid         INTEGER,
    nodeid2        INTEGER,
    name           TEXT,
    offset         INTEGER,
    size           INTEGER,
    notify_unique  INTEGER,
    data           BLOB
) STRICT;

CREATE TABLE forget (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    unique_id      INTEGER NOT NULL,
    nodeid         INTEGER NOT NULL,
    nlookup        INTEGER NOT NULL
) STRICT;

CREATE TABLE dirent (
    id             INTEGER PRIMARY KEY,
    unique_id      INTEGER NOT NULL,
    nodeid         INTEGER,
    name           TEXT,
    type           INTEGER,
    ino            INTEGER,
    off            INTEGER,
    attr_mode      INTEGER,
    attr_size      INTEGER
) STRICT;

-- What replay needs to rebuild the initial tree: each source object as the
-- session first found it (LOOKUP or READDIRPLUS made its entry).
CREATE TABLE manifest (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    unique_id      INTEGER NOT NULL,
    nodeid         INTEGER NOT NULL,
    parent         INTEGER NOT NULL,
    name           TEXT,
    mode           INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    uid            INTEGER NOT NULL,
    gid            INTEGER NOT NULL,
    rdev           INTEGER NOT NULL,
    nlink          INTEGER NOT NULL,
    dev            INTEGER NOT NULL,
    ino            INTEGER NOT NULL,
    atime_ns       INTEGER NOT NULL,
    mtime_ns       INTEGER NOT NULL,
    ctime_ns       INTEGER NOT NULL,
    link_target    TEXT,
    data           BLOB
) STRICT;

CREATE TABLE inode_event (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    unique_id      INTEGER NOT NULL,
    thread         INTEGER NOT NULL,
    kind           INTEGER NOT NULL,
    cause          INTEGER NOT NULL,
    nodeid         INTEGER NOT NULL,
    parent         INTEGER,
    name           TEXT,
    dev            INTEGER,
    ino            INTEGER,
    mnt_id         INTEGER,
    delta          INTEGER,
    nlookup        INTEGER,
    err            INTEGER,
    fd             INTEGER,
    other_nodeid   INTEGER,
    handle         BLOB,
    handle_type    INTEGER,
    io_mode        INTEGER,
    io_prev        INTEGER,
    io_why         INTEGER,
    backing_id     INTEGER
) STRICT;

CREATE TABLE inode (
    nodeid         INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    parent         INTEGER,
    name           TEXT,
    path           TEXT,
    dev            INTEGER,
    ino            INTEGER,
    mnt_id         INTEGER
) STRICT;

-- Every path the requests used, interned: one row per distinct (directory,
-- name) as the writer met it, so a request stores small integers.  The
-- same text can appear under two ids (see schemas/README.md).
CREATE TABLE path (
    id             INTEGER PRIMARY KEY,
    dir            INTEGER,
    path           TEXT NOT NULL
) STRICT;

-- A node's later names: one row each time a node already named got another
-- current name (rename, another hard link looked up).  Its first name is
-- its `inode` row.
CREATE TABLE node_name (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    unique_id      INTEGER NOT NULL,
    nodeid         INTEGER NOT NULL,
    parent         INTEGER NOT NULL,
    name           TEXT,
    path_id        INTEGER
) STRICT;

CREATE TABLE fh_event (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    unique_id      INTEGER NOT NULL,
    thread         INTEGER NOT NULL,
    kind           INTEGER NOT NULL,
    fh             INTEGER NOT NULL,
    nodeid         INTEGER NOT NULL,
    flags          INTEGER NOT NULL,
    fd             INTEGER NOT NULL,
    created        INTEGER NOT NULL,
    io_mode        INTEGER,
    size           INTEGER
) STRICT;

CREATE TABLE call_name (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE backing_call (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    unique_id      INTEGER NOT NULL,
    thread         INTEGER NOT NULL,
    call_id        INTEGER NOT NULL,
    fd             INTEGER,
    arg            INTEGER,
    name           TEXT,
    result         INTEGER NOT NULL,
    err            INTEGER NOT NULL,
    dur_ns         INTEGER NOT NULL
) STRICT;

-- Threads that produced events, numbered in order of first appearance:
-- event rows carry this small number (1 byte) instead of the 4-byte tid.
CREATE TABLE thread (
    id             INTEGER PRIMARY KEY,
    tid            INTEGER NOT NULL
) STRICT;

-- One row per program image a process ran (an exec begins a new row).
CREATE TABLE process (
    id             INTEGER PRIMARY KEY,
    pid            INTEGER NOT NULL,
    first_ts       INTEGER NOT NULL,
    command        INTEGER NOT NULL DEFAULT 0 CHECK (command IN (0, 1)),
    start_time     INTEGER,
    comm           TEXT,
    cmdline        TEXT,
    ppid           INTEGER,
    parent_id      INTEGER,
    replaced_id    INTEGER,
    origin         TEXT CHECK (origin IN ('fork', 'exec')),
    exit_ts        INTEGER,
    exit_code      INTEGER,
    exit_signal    INTEGER
) STRICT;

-- What the recorder was told about processes, in time order: the kernel's
-- process events for the processes of the recording, `record`'s COMMAND,
-- and each identity read from /proc.  One row per such record (they are
-- events: they count in session.events_*).
CREATE TABLE process_event (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    kind           INTEGER NOT NULL,
    pid            INTEGER NOT NULL,
    tgid           INTEGER NOT NULL,
    process_id     INTEGER,
    ppid           INTEGER,
    exit_status    INTEGER,
    image_ts       INTEGER,
    start_time     INTEGER,
    comm           TEXT,
    cmdline        TEXT
) STRICT;

CREATE TABLE loss (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    thread         INTEGER NOT NULL,
    events         INTEGER NOT NULL
) STRICT;

-- The stall watchdog (--stall): a request still in flight after the stall
-- duration, with the thread holding it and what that thread was doing then.
-- Keyed by the request's unique, like reply: a request stalls at most once.
CREATE TABLE stall (
    unique_id      INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    thread         INTEGER NOT NULL,
    held_ts        INTEGER NOT NULL,
    call_id        INTEGER,
    fd             INTEGER,
    arg            INTEGER,
    name           TEXT,
    fd_path        TEXT,
    call_ts        INTEGER,
    wchan          TEXT,
    kernel_stack   TEXT
) STRICT;

-- When and how each stall ended.
CREATE TABLE stall_end (
    unique_id      INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    reason         TEXT NOT NULL
                   CHECK (reason IN ('reply', 'no_reply', 'session_end'))
) STRICT;

-- The kernel's side of each request (--kernel-trace): the tracefs events
-- fuse_request_send (the kernel queued the request for the daemon) and
-- fuse_request_end (the caller got its answer), of this session's
-- connection only.  Keyed by the kernel's unique like reply, so the views
-- join them to request and reply by rowid.  ts is the kernel's own
-- timestamp (trace_clock mono, the same clock as every other ts).
CREATE TABLE kernel_send (
    unique_id      INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    opcode         INTEGER NOT NULL,
    len            INTEGER NOT NULL,
    tid            INTEGER NOT NULL
) STRICT;

CREATE TABLE kernel_end (
    unique_id      INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    len            INTEGER NOT NULL,
    error          INTEGER NOT NULL
) STRICT;

-- Counter tracks: values sampled while the session ran, one track per name.
CREATE TABLE counter (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    name           TEXT NOT NULL,
    value          INTEGER NOT NULL
) STRICT;

-- Lookup tables.  errno_name is filled by the recorder from the C library
-- that recorded, so names and messages match the host.
CREATE TABLE errno_name (
    errno          INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    message        TEXT NOT NULL
) STRICT;
