/* db_format.h — facts about the recording file shared by its writer
 * (recorder) and its readers (tracedb). */
#ifndef FUSETRACE_SCHEMAS_DB_FORMAT_H
#define FUSETRACE_SCHEMAS_DB_FORMAT_H

#include <stdint.h>

/* PRAGMA user_version written by schemas/schema.sql (and session.
 * schema_version).  Readers accept exactly this version: version 4 lets
 * one database hold several sessions (a fleet: session.id is no longer
 * always 1, session k's keys are offset by FLEET_KEY_OFFSET(k), the views
 * carry session_id and host and take each row's wall time from its own
 * session) and adds session.session_name; version 3 adds
 * inode event kinds and causes (a forgotten nodeid revived for the same
 * file; I/O modes), the I/O mode columns of inode_event and fh_event, the
 * tap_edit columns of request and reply, keeps one process row per program
 * image with its parent, predecessor and exit, adds process_event and the
 * stall watchdog's tables (stall, stall_end), stores each request's paths
 * (path table) and the bit names the views decode with, and the kernel's
 * side of each request (kernel_send, kernel_end, counter and the session's
 * sides); version 2 stores a thread number (thread.id) where version 1
 * stored the tid, and dropped three secondary indexes (schemas/indexes.sql). */
#define FUSETRACE_SCHEMA_VERSION 4

/* Session k of a database stores its keys (row ids, kernel uniques and
 * nodeids, thread/process/path numbers) offset by this: session 1 by 0,
 * which is why a recording made by `record` needs no arithmetic.  2^40
 * keys per session is far beyond any recording (the kernel's unique grows
 * by 2 per request). */
#define FLEET_KEY_BITS 40
#define FLEET_KEY_OFFSET(k) ((int64_t)((k) - 1) << FLEET_KEY_BITS)
/* A stored key as its session's recorder wrote it (what a user sees). */
#define FLEET_KEY_OWN(x) ((x) > 0 ? (x) & ((INT64_C(1) << FLEET_KEY_BITS) - 1) : (x))

/* The column names that are such keys wherever the schema uses them: row
 * ids, the kernel's unique and nodeid (and each column naming a nodeid:
 * parent, nodeid2, other_nodeid; or a unique: target_unique), and the
 * recorder's thread, process and path numbers.  Anything else (fh, ino,
 * pid, tid, times...) is a value, stored as the recorder wrote it.  A
 * key's zero or NULL ("none") is never offset. */
#define FLEET_KEY_COLUMNS                                                         \
    "id", "unique_id", "target_unique", "nodeid", "nodeid2", "other_nodeid", "parent", \
    "thread", "process_id", "parent_id", "replaced_id", "path_id", "path2_id",        \
    "entry_path_id", "entry2_path_id", "dir"

/* While recording, the recorder holds an open-file-description write lock
 * on this one byte of the database file.  SQLite's own locks sit at
 * 0x40000000..0x400001ff (and in the -shm file in WAL mode), so this byte
 * is never touched by SQLite.  The lock dies with the process, which is
 * how a reader tells a live recording from one whose recorder was killed:
 * no pid guessing, no pid reuse. */
#define FUSETRACE_LIVE_LOCK_OFFSET 0x50000000LL

#endif
