/* rec_sqlite.h — the SQLite sink: creates the recording file, owns the
 * connection and the per-table batches, and finalises the file.  Used by
 * the writer thread only (the connection is opened NOMUTEX). */
#ifndef FUSETRACE_TRACE_REC_SQLITE_H
#define FUSETRACE_TRACE_REC_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "trace/import_sink.h"   /* struct session_facts */
#include "trace/rec_batch.h"

enum sink_table {
    T_REQUEST, T_REPLY, T_NOTIFY, T_FORGET, T_DIRENT, T_INODE_EVENT, T_INODE,
    T_FH, T_BACKING, T_CALL, T_PROCESS, T_LOSS, T_MANIFEST, T_THREAD, T_PROCESS_EVENT, T_STALL,
    T_STALL_END, T_PATH, T_NODE_NAME, T_KSEND, T_KEND, T_COUNTER,
    T_NTABLES
};

struct sink_counters {
    uint64_t seen, stored, lost, req_seen, rep_seen;
    uint64_t kernel_lost;      /* part of lost: kernel events tracefs lost */
};

struct sink {
    sqlite3 *db;
    int lock_fd;
    /* "<db>-reserve": 128 KiB set aside while recording, freed when the disk
     * is full so that the session row can still be marked incomplete. */
    char reserve[4096 + 16];
    bool in_txn;
    struct batch b[T_NTABLES];
    sqlite3_stmt *st_counters, *st_init_kernel, *st_init_reply, *st_timeouts;
    sqlite3_stmt *st_sides;
};

/* Create `path` (refusing an existing file), write schema and session row
 * (status 'recording') and take the liveness lock.  On failure the file is
 * removed again and err holds one line. */
int sink_create(struct sink *s, const char *path, const struct session_facts *f,
                char *err, size_t errlen);

int sink_begin(struct sink *s);
/* Flush batches, store counters, COMMIT. */
int sink_commit(struct sink *s, const struct sink_counters *c);
/* Drop the open transaction and buffered rows. */
void sink_rollback(struct sink *s);

int sink_init_kernel(struct sink *s, int64_t major, int64_t minor,
                     int64_t max_readahead, int64_t flags);
struct sink_init_reply {
    int64_t ts, major, minor, flags, max_readahead, max_write, max_background,
            congestion_threshold, time_gran, max_pages;
};
int sink_init_reply(struct sink *s, const struct sink_init_reply *r);
int sink_timeouts(struct sink *s, int64_t entry_ns, int64_t attr_ns);
/* The sides recorded: the kernel's too (on its connection), or why not. */
int sink_sides(struct sink *s, bool kernel, int64_t connection, const char *note, size_t note_len);

/* The reason of a session the kernel ended early: "CAUSE; N requests
 * unanswered", N counted in the inflight view (so after the last commit). */
void sink_end_reason(struct sink *s, const char *cause, char *out, size_t outlen);
/* Build indexes and set the final status (outside any open transaction). */
int sink_finish(struct sink *s, const struct sink_counters *c, bool complete,
                const char *reason, int64_t end_ts, char *err, size_t errlen);
/* Best effort after a failure: mark the session incomplete. */
void sink_mark_incomplete(struct sink *s, const struct sink_counters *c,
                          const char *reason, int64_t end_ts);
void sink_close(struct sink *s);

#endif
