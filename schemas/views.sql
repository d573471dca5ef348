-- Friendly views over the recording (schema version 4).  They are created
-- with the tables, so a database left by a killed recorder has them too; the
-- joins go through INTEGER PRIMARY KEYs (reply.unique_id, inode.nodeid,
-- process.id, thread.id) so they stay fast even before indexes.sql has run.
-- Event tables store a per-session thread number (`thread`); every view
-- joins it back to the kernel thread id as `tid`.
--
-- NOTIFY_REPLY (41) carries a daemon-chosen unique that may collide with a
-- kernel unique, so it is never paired with a reply.

-- Times: t_s is seconds since the session start (a range is one
-- `WHERE t_s BETWEEN a AND b`), wall_time the wall clock in ISO-8601 UTC
-- with nanoseconds (start_realtime_ns + ts of the row's own session: in a
-- fleet database each host's events get that host's clock).
-- Sessions: session_id is the row's session ((key >> 40) + 1, see
-- schema.sql) and host its session's host.  Keys (id, unique_id, nodeid,
-- process_id...) are shown as stored, so they join with the tables; in
-- session 1 they are the kernel's and the recorder's own numbers, in a
-- later session of a fleet they carry its offset, and op's kernel_unique
-- and kernel_nodeid show the kernel's own.
-- Paths: `path` is the node's path when the request was read, `entry_path`
-- the full path of the entry an entry request names (`name`), `entry2_path`
-- a rename's destination, `path2` the path of nodeid2; `file` is the entry
-- path of an entry request and the node's path otherwise, `dir` the
-- directory holding `file`.  Extended-attribute names are `xattr_name`,
-- never `name`.
-- *_text columns decode a number with bit_name: the named values and bits
-- joined by '|', then any unnamed bits in hex; a number nothing names is
-- shown as it is.  Which field `flags` and `mode` are comes from
-- opcode_name.flags_field / mode_field (mode without a field: a file mode,
-- shown as its file type and octal permissions).
CREATE VIEW op AS
SELECT q.id,
       q.ts,
       q.ts / 1e9                  AS t_s,
       strftime('%Y-%m-%dT%H:%M:%S', (ss.start_realtime_ns + q.ts) / 1000000000,
                'unixepoch')
         || printf('.%09dZ', (ss.start_realtime_ns + q.ts) % 1000000000)
                                   AS wall_time,
       q.unique_id,
       q.opcode,
       o.name                      AS op,
       q.nodeid,
       pa.path                     AS path,
       pe.path                     AS entry_path,
       pf.path                     AS file,
       pd.path                     AS dir,
       CASE WHEN q.opcode IN (21, 22, 24) THEN NULL ELSE q.name END AS name,
       q.name2,
       pe2.path                    AS entry2_path,
       q.nodeid2,
       p2.path                     AS path2,
       CASE WHEN q.opcode IN (21, 22, 24) THEN q.name END AS xattr_name,
       q.uid,
       q.gid,
       q.pid,
       q.process_id,
       pr.comm,
       t.tid,
       q.fh,
       q.offset,
       q.size,
       q.flags,
       CASE WHEN q.flags IS NULL OR o.flags_field IS NULL THEN NULL ELSE coalesce(nullif(ltrim(
         coalesce((SELECT group_concat(b.name, '|') FROM bit_name b
                   WHERE b.field = o.flags_field AND (q.flags & b.mask) = b.value), '')
         || coalesce((SELECT '|' || printf('0x%x', q.flags & ~k.known) FROM bit_field k
                      WHERE k.field = o.flags_field AND k.known <> -1
                        AND (q.flags & ~k.known) <> 0), ''),
         '|'), ''), CAST(q.flags AS TEXT)) END AS flags_text,
       q.mode,
       CASE WHEN q.mode IS NULL THEN NULL
            WHEN o.mode_field IS NOT NULL THEN
            CASE WHEN q.mode IS NULL OR o.mode_field IS NULL THEN NULL ELSE coalesce(nullif(ltrim(
              coalesce((SELECT group_concat(b.name, '|') FROM bit_name b
                        WHERE b.field = o.mode_field AND (q.mode & b.mask) = b.value), '')
              || coalesce((SELECT '|' || printf('0x%x', q.mode & ~k.known) FROM bit_field k
                           WHERE k.field = o.mode_field AND k.known <> -1
                             AND (q.mode & ~k.known) <> 0), ''),
              '|'), ''), CAST(q.mode AS TEXT)) END
            ELSE coalesce((SELECT b.name || '|' FROM bit_name b
                           WHERE b.field = 'file_type' AND (q.mode & b.mask) = b.value), '')
                 || printf('%04o', q.mode & 4095) END AS mode_text,
       q.umask,
       printf('%04o', q.umask)     AS umask_text,
       q.valid,
       CASE WHEN q.valid IS NULL OR 'setattr_valid' IS NULL THEN NULL ELSE coalesce(nullif(ltrim(
         coalesce((SELECT group_concat(b.name, '|') FROM bit_name b
                   WHERE b.field = 'setattr_valid' AND (q.valid & b.mask) = b.value), '')
         || coalesce((SELECT '|' || printf('0x%x', q.valid & ~k.known) FROM bit_field k
                      WHERE k.field = 'setattr_valid' AND k.known <> -1
                        AND (q.valid & ~k.known) <> 0), ''),
         '|'), ''), CAST(q.valid AS TEXT)) END AS valid_text,
       q.lock_type,
       CASE WHEN q.lock_type IS NULL OR 'lock_type' IS NULL THEN NULL ELSE coalesce(nullif(ltrim(
         coalesce((SELECT group_concat(b.name, '|') FROM bit_name b
                   WHERE b.field = 'lock_type' AND (q.lock_type & b.mask) = b.value), '')
         || coalesce((SELECT '|' || printf('0x%x', q.lock_type & ~k.known) FROM bit_field k
                      WHERE k.field = 'lock_type' AND k.known <> -1
                        AND (q.lock_type & ~k.known) <> 0), ''),
         '|'), ''), CAST(q.lock_type AS TEXT)) END AS lock_type_text,
       q.lock_start,
       q.lock_end,
       r.ts                        AS reply_ts,
       r.ts - q.ts                 AS latency_ns,
       r.error                     AS errno,
       CASE WHEN r.error = 0 THEN NULL
            ELSE coalesce(e.name, 'E' || r.error) END AS errno_name,
       r.nodeid                    AS entry_nodeid,
       r.fh                        AS reply_fh,
       r.open_flags,
       CASE WHEN r.open_flags IS NULL OR 'fopen' IS NULL THEN NULL ELSE coalesce(nullif(ltrim(
         coalesce((SELECT group_concat(b.name, '|') FROM bit_name b
                   WHERE b.field = 'fopen' AND (r.open_flags & b.mask) = b.value), '')
         || coalesce((SELECT '|' || printf('0x%x', r.open_flags & ~k.known) FROM bit_field k
                      WHERE k.field = 'fopen' AND k.known <> -1
                        AND (r.open_flags & ~k.known) <> 0), ''),
         '|'), ''), CAST(r.open_flags AS TEXT)) END AS open_flags_text,
       r.bytes,
       r.len                       AS reply_len,
       CASE WHEN r.unique_id IS NOT NULL
                 THEN CASE WHEN r.error = 0 THEN 'ok' ELSE 'error' END
            WHEN coalesce(o.has_reply, 1) = 0 THEN 'noreply'
            ELSE 'inflight' END    AS outcome,
       ks.ts                       AS kernel_queued_ts,
       ke.ts                       AS kernel_end_ts,
       ke.error                    AS caller_errno,
       (q.id >> 40) + 1            AS session_id,
       ss.host,
       q.unique_id & 0xFFFFFFFFFF  AS kernel_unique,
       q.nodeid & 0xFFFFFFFFFF     AS kernel_nodeid
FROM request q
LEFT JOIN reply r       ON r.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN opcode_name o ON o.opcode = q.opcode
LEFT JOIN errno_name e  ON e.errno = r.error
LEFT JOIN path pa       ON pa.id = q.path_id
LEFT JOIN path pe       ON pe.id = q.entry_path_id
LEFT JOIN path pe2      ON pe2.id = q.entry2_path_id
LEFT JOIN path p2       ON p2.id = q.path2_id
LEFT JOIN path pf       ON pf.id = coalesce(q.entry_path_id, q.path_id)
LEFT JOIN path pd       ON pd.id = pf.dir
LEFT JOIN process pr    ON pr.id = q.process_id
LEFT JOIN thread t      ON t.id = q.thread
LEFT JOIN kernel_send ks ON ks.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN kernel_end ke  ON ke.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN session ss     ON ss.id = (q.id >> 40) + 1;

CREATE VIEW errors AS
SELECT * FROM op WHERE errno <> 0;

-- 1 ms is far above a FUSE round trip on a local backing filesystem, so
-- anything slower is worth a look.
CREATE VIEW slow_ops AS
SELECT * FROM op WHERE latency_ns >= 1000000 ORDER BY latency_ns DESC;

-- The last request each session's daemon read from the kernel's queue
-- (FORGET, BATCH_FORGET, INTERRUPT and NOTIFY_REPLY come from elsewhere):
-- one pass over request, whatever asks.
CREATE VIEW last_read AS
SELECT (unique_id >> 40) + 1 AS session_id, max(unique_id) AS unique_id
FROM request
WHERE opcode NOT IN (2, 36, 41, 42)
GROUP BY 1;

-- Requests not answered yet: 'serving' ones a daemon thread (worker) read
-- and has not replied to, and, with the kernel side recorded, 'queued'
-- ones the kernel queued that no thread has read yet (only while the
-- session is live: at its end the kernel ends or withdraws what is left).
-- The kernel's queue is first in, first out in unique order, so a queued
-- request is one after the last the daemon read (FORGET, BATCH_FORGET,
-- INTERRUPT and NOTIFY_REPLY come from elsewhere and do not count).
CREATE VIEW inflight AS
SELECT q.id, q.ts, q.ts / 1e9 AS t_s,
       strftime('%Y-%m-%dT%H:%M:%S', (ss.start_realtime_ns + q.ts) / 1000000000, 'unixepoch')
         || printf('.%09dZ', (ss.start_realtime_ns + q.ts) % 1000000000) AS wall_time,
       q.unique_id, q.opcode, o.name AS op, q.nodeid, pa.path, q.name, pe.path AS entry_path, q.pid, q.process_id, t.tid,
       'serving' AS state, q.thread AS worker, ks.ts AS queued_ts,
       (q.id >> 40) + 1 AS session_id, ss.host
FROM request q
LEFT JOIN reply r        ON r.unique_id = q.unique_id
LEFT JOIN opcode_name o  ON o.opcode = q.opcode
LEFT JOIN path pa        ON pa.id = q.path_id
LEFT JOIN path pe        ON pe.id = q.entry_path_id
LEFT JOIN thread t       ON t.id = q.thread
LEFT JOIN kernel_send ks ON ks.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN session ss     ON ss.id = (q.id >> 40) + 1
WHERE r.unique_id IS NULL AND coalesce(o.has_reply, 1) = 1
UNION ALL
SELECT NULL, k.ts, k.ts / 1e9,
       strftime('%Y-%m-%dT%H:%M:%S', (ss.start_realtime_ns + k.ts) / 1000000000, 'unixepoch')
         || printf('.%09dZ', (ss.start_realtime_ns + k.ts) % 1000000000),
       k.unique_id, k.opcode, o.name, NULL, NULL, NULL, NULL, k.tid, NULL, NULL,
       'queued', NULL, k.ts, (k.unique_id >> 40) + 1, ss.host
FROM kernel_send k
LEFT JOIN kernel_end e  ON e.unique_id = k.unique_id
LEFT JOIN opcode_name o ON o.opcode = k.opcode
LEFT JOIN session ss    ON ss.id = (k.unique_id >> 40) + 1
LEFT JOIN last_read lr  ON lr.session_id = (k.unique_id >> 40) + 1
WHERE e.unique_id IS NULL
  AND ss.status = 'recording'
  AND k.unique_id > coalesce(lr.unique_id, 0);

CREATE VIEW inode_path AS
SELECT nodeid, path, parent, name, ts, (nodeid >> 40) + 1 AS session_id FROM inode;

-- Every name a node had, in order: its first (the inode row) and each
-- later one (node_name), with the time it stopped being current (NULL:
-- still current at the end).
CREATE VIEW node_names AS
SELECT nodeid, ts, ts / 1e9 AS t_s,
       strftime('%Y-%m-%dT%H:%M:%S', (ss.start_realtime_ns + ts) / 1000000000, 'unixepoch')
         || printf('.%09dZ', (ss.start_realtime_ns + ts) % 1000000000) AS wall_time,
       unique_id, parent, name, path,
       lead(ts) OVER (PARTITION BY nodeid ORDER BY ts, n) AS until_ts,
       (nodeid >> 40) + 1 AS session_id, ss.host
FROM (SELECT i.nodeid, i.ts, NULL AS unique_id, i.parent, i.name, i.path, 0 AS n
      FROM inode i
      UNION ALL
      SELECT n.nodeid, n.ts, n.unique_id, n.parent, n.name, p.path, n.id
      FROM node_name n LEFT JOIN path p ON p.id = n.path_id)
LEFT JOIN session ss ON ss.id = (nodeid >> 40) + 1;

-- inode_event stores an entry's identity (dev, ino, mnt_id) once, on its
-- NEW row (and on REUSE_DETECTED, which names another identity); here every
-- row shows it, from the `inode` row of its nodeid (never reused).
CREATE VIEW inode_history AS
SELECT e.id, e.ts, e.ts / 1e9 AS t_s,
       strftime('%Y-%m-%dT%H:%M:%S', (ss.start_realtime_ns + e.ts) / 1000000000, 'unixepoch')
         || printf('.%09dZ', (ss.start_realtime_ns + e.ts) % 1000000000) AS wall_time,
       e.unique_id, t.tid, e.nodeid, i.path,
       k.name AS kind, c.name AS cause, e.delta, e.nlookup,
       e.parent, e.name,
       coalesce(e.dev, i.dev) AS dev, coalesce(e.ino, i.ino) AS ino,
       coalesce(e.mnt_id, i.mnt_id) AS mnt_id, e.err, e.fd,
       e.other_nodeid, e.handle_type, length(e.handle) AS handle_len,
       m.name AS io_mode, p.name AS io_prev, w.name AS io_why, e.backing_id,
       (e.id >> 40) + 1 AS session_id, ss.host
FROM inode_event e
LEFT JOIN io_mode_name m     ON m.mode = e.io_mode
LEFT JOIN io_mode_name p     ON p.mode = e.io_prev
LEFT JOIN io_why_name w      ON w.why = e.io_why
LEFT JOIN inode_kind_name k  ON k.kind = e.kind
LEFT JOIN inode_cause_name c ON c.cause = e.cause
LEFT JOIN inode i            ON i.nodeid = e.nodeid
LEFT JOIN thread t           ON t.id = e.thread
LEFT JOIN session ss         ON ss.id = (e.id >> 40) + 1;

-- From NEW to the last FREE.  A FREE caused by UNMOUNT (table torn down at
-- destroy) or no FREE at all means the kernel still held a reference when
-- the filesystem went away.
CREATE VIEW inode_lifetime AS
SELECT i.nodeid,
       i.path,
       i.ts                        AS new_ts,
       f.ts                        AS free_ts,
       f.ts - i.ts                 AS lifetime_ns,
       c.name                      AS free_cause,
       (SELECT count(*) FROM inode_event x
         WHERE x.nodeid = i.nodeid AND x.kind = 1) AS refs,
       (SELECT e.nlookup FROM inode_event e
         WHERE e.nodeid = i.nodeid AND e.kind IN (0, 1, 2, 3)
         ORDER BY e.id DESC LIMIT 1) AS last_nlookup,
       CASE WHEN f.id IS NULL OR f.cause = 13 THEN 1 ELSE 0 END
                                   AS referenced_at_unmount,
       (i.nodeid >> 40) + 1        AS session_id
FROM inode i
LEFT JOIN (SELECT nodeid, max(id) AS id FROM inode_event
           WHERE kind = 3 GROUP BY nodeid) fx ON fx.nodeid = i.nodeid
LEFT JOIN inode_event f        ON f.id = fx.id
LEFT JOIN inode_cause_name c   ON c.cause = f.cause;

CREATE VIEW per_process AS
SELECT p.id                        AS process_id,
       p.pid,
       p.comm,
       p.cmdline,
       p.first_ts,
       count(*)                    AS requests,
       coalesce(sum(r.error <> 0), 0) AS errors,
       sum(r.ts - q.ts)            AS total_latency_ns,
       coalesce(sum(CASE WHEN q.opcode = 15 THEN r.bytes END), 0) AS bytes_read,
       coalesce(sum(CASE WHEN q.opcode = 16 THEN r.bytes END), 0) AS bytes_written,
       (p.id >> 40) + 1            AS session_id
FROM request q
JOIN process p          ON p.id = q.process_id
LEFT JOIN reply r       ON r.unique_id = q.unique_id AND q.opcode <> 41
GROUP BY p.id;

-- Nearest-rank percentiles: SQLite has no percentile function, so rank the
-- latencies of each opcode with window functions and pick rank ceil(p*n).
CREATE VIEW per_op_latency AS
WITH l AS (
    SELECT q.opcode,
           r.ts - q.ts AS lat,
           r.error,
           row_number() OVER (PARTITION BY q.opcode ORDER BY r.ts - q.ts) AS rn,
           count(*)     OVER (PARTITION BY q.opcode) AS n
    FROM request q
    JOIN reply r ON r.unique_id = q.unique_id
    WHERE q.opcode <> 41
)
SELECT l.opcode,
       o.name                      AS op,
       l.n                         AS count,
       sum(l.error <> 0)           AS errors,
       max(CASE WHEN l.rn = (l.n * 50 + 99) / 100 THEN l.lat END) AS p50_ns,
       max(CASE WHEN l.rn = (l.n * 95 + 99) / 100 THEN l.lat END) AS p95_ns,
       max(CASE WHEN l.rn = (l.n * 99 + 99) / 100 THEN l.lat END) AS p99_ns,
       max(l.lat)                  AS max_ns,
       CAST(avg(l.lat) AS INTEGER) AS avg_ns,
       sum(l.lat)                  AS total_ns
FROM l
LEFT JOIN opcode_name o ON o.opcode = l.opcode
GROUP BY l.opcode
ORDER BY count DESC, l.opcode;

-- `path`: the node's path at its last request (a renamed file shows its
-- final name; SQLite takes a bare column from the max() row).
CREATE VIEW file_activity AS
SELECT nodeid, (SELECT p.path FROM path p WHERE p.id = last_path) AS path,
       requests, bytes_read, bytes_written, (last_id >> 40) + 1 AS session_id
FROM (SELECT q.nodeid,
             max(q.id)                   AS last_id,
             q.path_id                   AS last_path,
             count(*)                    AS requests,
             coalesce(sum(CASE WHEN q.opcode = 15 THEN r.bytes END), 0) AS bytes_read,
             coalesce(sum(CASE WHEN q.opcode = 16 THEN r.bytes END), 0) AS bytes_written
      FROM request q
      LEFT JOIN reply r ON r.unique_id = q.unique_id AND q.opcode <> 41
      WHERE q.nodeid <> 0
      GROUP BY q.nodeid);

CREATE VIEW backing AS
SELECT b.id, b.ts, b.ts / 1e9 AS t_s,
       strftime('%Y-%m-%dT%H:%M:%S', (ss.start_realtime_ns + b.ts) / 1000000000, 'unixepoch')
         || printf('.%09dZ', (ss.start_realtime_ns + b.ts) % 1000000000) AS wall_time,
       b.unique_id, t.tid, n.name AS call, b.fd, b.arg, b.name,
       b.result, b.err,
       CASE WHEN b.err = 0 THEN NULL
            ELSE coalesce(e.name, 'E' || b.err) END AS errno_name,
       b.dur_ns, (b.id >> 40) + 1 AS session_id, ss.host
FROM backing_call b
LEFT JOIN call_name n  ON n.id = b.call_id
LEFT JOIN errno_name e ON e.errno = b.err
LEFT JOIN thread t     ON t.id = b.thread
LEFT JOIN session ss   ON ss.id = (b.id >> 40) + 1;

CREATE VIEW fh_history AS
SELECT f.id, f.ts, f.ts / 1e9 AS t_s,
       strftime('%Y-%m-%dT%H:%M:%S', (ss.start_realtime_ns + f.ts) / 1000000000, 'unixepoch')
         || printf('.%09dZ', (ss.start_realtime_ns + f.ts) % 1000000000) AS wall_time,
       f.unique_id, t.tid, k.name AS kind, f.fh, f.nodeid,
       i.path, f.flags, f.fd, f.created, m.name AS io_mode, f.size,
       (f.id >> 40) + 1 AS session_id, ss.host
FROM fh_event f
LEFT JOIN io_mode_name m ON m.mode = f.io_mode
LEFT JOIN fh_kind_name k ON k.kind = f.kind
LEFT JOIN inode i        ON i.nodeid = f.nodeid
LEFT JOIN thread t       ON t.id = f.thread
LEFT JOIN session ss     ON ss.id = (f.id >> 40) + 1;

-- The process tree: every program image with its depth below the first
-- recorded ancestor, its ancestry (process ids from that root, '/'
-- separated) and lineage (their names), and whether it is part of
-- `record`'s COMMAND (an image of COMMAND's process or anything it
-- forked, at any depth).  Exec successors share their predecessor's
-- parent, so they sit at the same depth.
CREATE VIEW process_tree AS
WITH RECURSIVE t(id, depth, ancestry, lineage, root_id, in_command) AS (
    SELECT p.id, 0, '/' || p.id, coalesce(p.comm, '?'), p.id, p.command
    FROM process p
    WHERE p.parent_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM process x WHERE x.id = p.parent_id)
    UNION ALL
    SELECT c.id, t.depth + 1, t.ancestry || '/' || c.id,
           t.lineage || '/' || coalesce(c.comm, '?'), t.root_id,
           max(t.in_command, c.command)
    FROM process c
    JOIN t ON c.parent_id = t.id
    WHERE t.depth < 4096
)
SELECT p.id, p.pid, p.ppid, p.parent_id, p.replaced_id, p.comm, p.cmdline, p.origin,
       p.first_ts, p.exit_ts, p.exit_code, p.exit_signal, p.command,
       t.depth, t.ancestry, t.lineage, t.root_id, t.in_command,
       (p.id >> 40) + 1 AS session_id
FROM t
JOIN process p ON p.id = t.id;

-- Stalled requests (the stall watchdog, --stall): what was stuck, who held
-- it, in which backing syscall, and how it ended.  end_ts and duration_ns
-- are NULL while the request is still stalled.
CREATE VIEW stalls AS
SELECT s.unique_id, q.id AS request_id, s.ts, q.opcode, o.name AS op, q.nodeid,
       i.path, q.name AS request_name, q.pid, q.process_id, p.comm, t.tid,
       s.held_ts, n.name AS syscall, s.fd, s.arg, s.name, s.fd_path, s.call_ts,
       e.ts AS end_ts, e.reason AS end_reason, e.ts - s.held_ts AS duration_ns,
       s.wchan, s.kernel_stack, (s.unique_id >> 40) + 1 AS session_id
FROM stall s
LEFT JOIN request q     ON q.unique_id = s.unique_id AND q.opcode <> 41
LEFT JOIN opcode_name o ON o.opcode = q.opcode
LEFT JOIN inode i       ON i.nodeid = q.nodeid
LEFT JOIN process p     ON p.id = q.process_id
LEFT JOIN thread t      ON t.id = s.thread
LEFT JOIN call_name n   ON n.id = s.call_id
LEFT JOIN stall_end e   ON e.unique_id = s.unique_id;
-- Every request with its process and that process's place in the tree:
-- the op view's columns, then the program the caller ran when it made the
-- request (process_pid: the process, where op.pid is the calling thread),
-- its parent and ancestry.  "Everything make and its children did" is
-- WHERE process_id = 4 OR ancestry LIKE '%/4/%'.
CREATE VIEW op_process AS
SELECT o.*,
       t.pid                       AS process_pid,
       t.ppid,
       t.parent_id,
       t.cmdline,
       t.depth,
       t.ancestry,
       t.lineage,
       t.root_id,
       t.in_command,
       t.exit_code,
       t.exit_signal
FROM op o
LEFT JOIN process_tree t ON t.id = o.process_id;

-- Opens whose data bypassed the recorder (kernel passthrough): no READ or
-- WRITE of theirs reached the daemon.  What is still known: the file, its
-- backing id, its size when opened and when released, and how long it
-- was open (release_ts NULL: still open when the recording ended).
CREATE VIEW passthrough_open AS
SELECT o.fh, o.nodeid, i.path, o.ts AS open_ts, r.ts AS release_ts,
       r.ts - o.ts AS open_ns, o.size AS size_at_open, r.size AS size_at_release,
       json_extract(p.extra, '$.backing_id') AS backing_id, o.unique_id,
       (o.id >> 40) + 1 AS session_id
FROM fh_event o
LEFT JOIN fh_event r ON r.fh = o.fh AND r.kind = 2 AND r.id >> 40 = o.id >> 40
LEFT JOIN reply p    ON p.unique_id = o.unique_id
LEFT JOIN inode i    ON i.nodeid = o.nodeid
WHERE o.kind IN (0, 1) AND o.io_mode = 3;

-- The kernel's side (--kernel-trace) joined with the daemon's, one row per
-- request the daemon read.  The four parts add up: total_ns = queue_ns +
-- daemon_ns + return_ns.  NULL where a side is missing (no kernel trace, a
-- FORGET or INTERRUPT, which the kernel does not trace, or no reply yet).
CREATE VIEW latency_split AS
SELECT q.id                        AS request_id,
       q.unique_id,
       q.opcode,
       o.name                      AS op,
       q.ts - k.ts                 AS queue_ns,
       r.ts - q.ts                 AS daemon_ns,
       CASE WHEN r.unique_id IS NOT NULL THEN coalesce(b.ns, 0) END AS backing_ns,
       e.ts - r.ts                 AS return_ns,
       e.ts - k.ts                 AS total_ns,
       k.ts                        AS queued_ts,
       q.ts                        AS read_ts,
       r.ts                        AS reply_ts,
       e.ts                        AS end_ts,
       e.error                     AS caller_errno,
       t.tid,
       (q.id >> 40) + 1            AS session_id
FROM request q
LEFT JOIN kernel_send k ON k.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN reply r       ON r.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN kernel_end e  ON e.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN opcode_name o ON o.opcode = q.opcode
LEFT JOIN thread t      ON t.id = q.thread
LEFT JOIN (SELECT unique_id, sum(dur_ns) AS ns FROM backing_call GROUP BY unique_id) b
       ON b.unique_id = q.unique_id;

-- Every request of either side, and which side saw it: 'both', 'daemon'
-- (read by the daemon, never queued by the kernel's traced path) or
-- 'kernel' (queued by the kernel, never read by the daemon), with why.
CREATE VIEW request_sides AS
SELECT q.unique_id,
       q.id                        AS request_id,
       q.opcode,
       o.name                      AS op,
       k.ts                        AS queued_ts,
       q.ts                        AS read_ts,
       e.ts                        AS end_ts,
       e.error                     AS caller_errno,
       CASE WHEN k.unique_id IS NOT NULL THEN 'both' ELSE 'daemon' END AS side,
       CASE WHEN k.unique_id IS NOT NULL THEN NULL
            WHEN q.opcode IN (2, 42) THEN 'forget'
            WHEN q.opcode = 36 THEN 'interrupt'
            WHEN q.opcode = 41 THEN 'notify_reply'
            WHEN s.sides = 'daemon' THEN 'kernel_not_recorded'
            ELSE 'no_kernel_event' END AS kind,
       (q.id >> 40) + 1            AS session_id
FROM request q
LEFT JOIN session s     ON s.id = (q.id >> 40) + 1
LEFT JOIN kernel_send k ON k.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN kernel_end e  ON e.unique_id = q.unique_id AND q.opcode <> 41
LEFT JOIN opcode_name o ON o.opcode = q.opcode
UNION ALL
SELECT k.unique_id, NULL, k.opcode, o.name, k.ts, NULL, e.ts, e.error, 'kernel',
       CASE WHEN e.unique_id IS NOT NULL THEN 'ended_by_kernel'
            WHEN s.status = 'recording'
                 AND k.unique_id > coalesce(lr.unique_id, 0) THEN 'queued'
            ELSE 'withdrawn' END,
       (k.unique_id >> 40) + 1
FROM kernel_send k
LEFT JOIN request rq    ON rq.unique_id = k.unique_id AND rq.opcode <> 41
LEFT JOIN session s     ON s.id = (k.unique_id >> 40) + 1
LEFT JOIN last_read lr  ON lr.session_id = (k.unique_id >> 40) + 1
LEFT JOIN kernel_end e  ON e.unique_id = k.unique_id
LEFT JOIN opcode_name o ON o.opcode = k.opcode
WHERE rq.id IS NULL;

-- (Here and in request_sides "no request row" is a LEFT JOIN ... IS NULL,
-- not a NOT EXISTS: a recording whose recorder was killed has no index on
-- request.unique_id, and SQLite builds an automatic index for a join but
-- scans request once per kernel_send row for a correlated NOT EXISTS —
-- minutes on a killed recording of 40 000 requests.)
-- How many requests the kernel held queued for the daemon (sent, not yet
-- read) over time: one row per change, the depth after it.  A request the
-- kernel withdrew (its caller was killed while it waited) leaves the queue,
-- as far as the recording can tell, when the daemon reads the next one.
CREATE VIEW kernel_queue AS
WITH withdrawn(unique_id) AS MATERIALIZED (
    -- queued, never read, never ended: few rows, each looked past below
    -- (materialized, so that lookup runs for these rows only)
    SELECT k.unique_id FROM kernel_send k
    LEFT JOIN request rq   ON rq.unique_id = k.unique_id AND rq.opcode <> 41
    LEFT JOIN kernel_end e ON e.unique_id = k.unique_id
    WHERE rq.id IS NULL AND e.unique_id IS NULL
),
change(ts, delta, session_id) AS (
    SELECT ts, 1, (unique_id >> 40) + 1 FROM kernel_send
    UNION ALL
    SELECT q.ts, -1, (q.unique_id >> 40) + 1 FROM request q
    JOIN kernel_send k ON k.unique_id = q.unique_id AND q.opcode <> 41
    UNION ALL
    SELECT e.ts, -1, (e.unique_id >> 40) + 1 FROM kernel_end e
    JOIN kernel_send k     ON k.unique_id = e.unique_id
    LEFT JOIN request rq   ON rq.unique_id = e.unique_id AND rq.opcode <> 41
    WHERE rq.id IS NULL
    UNION ALL
    SELECT w.left_ts, -1, w.session_id FROM (
        SELECT (SELECT q.ts FROM request q
                WHERE q.unique_id > k.unique_id AND q.opcode NOT IN (2, 36, 41, 42)
                  AND q.unique_id < ((k.unique_id >> 40) + 1) << 40
                ORDER BY q.unique_id LIMIT 1) AS left_ts,
               (k.unique_id >> 40) + 1 AS session_id
        FROM withdrawn k) w
    WHERE w.left_ts IS NOT NULL
)
SELECT ts, sum(delta) OVER (PARTITION BY session_id ORDER BY ts, delta
                            ROWS UNBOUNDED PRECEDING) AS depth, session_id
FROM change;

-- Time in the kernel's queue per opcode (kernel queued -> daemon read),
-- nearest-rank percentiles like per_op_latency; requests with both sides.
CREATE VIEW per_op_queue AS
WITH l AS (
    SELECT q.opcode,
           q.ts - k.ts AS wait,
           row_number() OVER (PARTITION BY q.opcode ORDER BY q.ts - k.ts) AS rn,
           count(*)     OVER (PARTITION BY q.opcode) AS n
    FROM request q
    JOIN kernel_send k ON k.unique_id = q.unique_id
    WHERE q.opcode <> 41
)
SELECT l.opcode,
       o.name                      AS op,
       l.n                         AS count,
       max(CASE WHEN l.rn = (l.n * 50 + 99) / 100 THEN l.wait END) AS p50_ns,
       max(CASE WHEN l.rn = (l.n * 95 + 99) / 100 THEN l.wait END) AS p95_ns,
       max(CASE WHEN l.rn = (l.n * 99 + 99) / 100 THEN l.wait END) AS p99_ns,
       max(l.wait)                 AS max_ns,
       CAST(avg(l.wait) AS INTEGER) AS avg_ns,
       sum(l.wait)                 AS total_ns
FROM l
LEFT JOIN opcode_name o ON o.opcode = l.opcode
GROUP BY l.opcode
ORDER BY count DESC, l.opcode;
