/* tracedb.h — opening a recording for reading (sql, stats, viewer, tests).
 *
 * tracedb_open() turns every way a file can fail to be a usable recording
 * into one clear line: missing, a directory, empty, not SQLite, truncated,
 * an SQLite database that is not a recording, a recording from a newer
 * schema.  It also settles the session status: a row still saying
 * 'recording' whose recorder no longer holds the liveness lock (see
 * db_format.h) was left by a killed or crashed recorder and is reported as
 * incomplete.
 */
#ifndef FUSETRACE_TRACEDB_TRACEDB_H
#define FUSETRACE_TRACEDB_TRACEDB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tracedb_status {
    TRACEDB_RECORDING,         /* a live recorder is still writing it */
    TRACEDB_COMPLETE,
    TRACEDB_INCOMPLETE,
};

struct tracedb_info {
    int schema_version;
    enum tracedb_status status;
    bool live;                 /* the recorder holds the liveness lock */
    char reason[512];          /* why incomplete; "" otherwise */
    char uuid[40];
    int64_t recorder_pid;
    int64_t start_realtime_ns;
    int64_t end_ts;            /* -1 while recording or when killed */
    int64_t events_seen, events_stored, events_lost;
    int64_t requests_seen, replies_seen;
    bool kernel_side;          /* session.sides: the kernel's side was recorded too */
    /* Sessions in the file (or the selection: tracedb_reread): 1 for a
     * recording, several for a fleet database.  With several, the
     * identity fields are the first session's (first_session), the
     * counters are summed, and status/reason are those of the first
     * session that is not complete. */
    int64_t sessions, first_session;
};

/* Open `path` read-only.  On success returns 0 with *db open (close it with
 * sqlite3_close) and *info filled (info may be NULL).  On failure returns -1,
 * *db is NULL and err holds "PATH: reason". */
int tracedb_open(const char *path, sqlite3 **db, struct tracedb_info *info,
                 char *err, size_t errlen);

const char *tracedb_status_name(enum tracedb_status s);

/* Read info again from the sessions `session` now shows (after
 * session_select(): only the selected ones).  0, or -1 on a database
 * error. */
int tracedb_reread(sqlite3 *db, struct tracedb_info *info);

#endif
