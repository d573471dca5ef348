/* db_format.h — facts about the recording file shared by its writer
 * (recorder) and its readers (tracedb). */
#ifndef FUSETRACE_SCHEMAS_DB_FORMAT_H
#define FUSETRACE_SCHEMAS_DB_FORMAT_H

/* PRAGMA user_version written by schemas/schema.sql (and session.
 * schema_version).  Readers accept exactly this version: version 3 adds
 * inode event kinds and causes (a forgotten nodeid revived for the same
 * file; I/O modes), the I/O mode columns of inode_event and fh_event, the
 * tap_edit columns of request and reply, keeps one process row per program
 * image with its parent, predecessor and exit, adds process_event and the
 * stall watchdog's tables (stall, stall_end), stores each request's paths
 * (path table) and the bit names the views decode with, and the kernel's
 * side of each request (kernel_send, kernel_end, counter and the session's
 * sides); version 2 stores a thread number (thread.id) where version 1
 * stored the tid, and dropped three secondary indexes (schemas/indexes.sql). */
#define FUSETRACE_SCHEMA_VERSION 3

/* While recording, the recorder holds an open-file-description write lock
 * on this one byte of the database file.  SQLite's own locks sit at
 * 0x40000000..0x400001ff (and in the -shm file in WAL mode), so this byte
 * is never touched by SQLite.  The lock dies with the process, which is
 * how a reader tells a live recording from one whose recorder was killed:
 * no pid guessing, no pid reuse. */
#define FUSETRACE_LIVE_LOCK_OFFSET 0x50000000LL

#endif
