/* tracedb.c — see tracedb.h. */
#include "tracedb/tracedb.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schemas/db_format.h"
#include "util/text_escape.h"

const char *tracedb_status_name(enum tracedb_status s)
{
    switch (s) {
    case TRACEDB_RECORDING: return "recording";
    case TRACEDB_COMPLETE: return "complete";
    default: return "incomplete";
    }
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool file_nonempty(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* Check what can be checked without SQLite: type, size, magic, and whether
 * the file is shorter than its header says.  Also probe the liveness lock
 * (before SQLite opens the file: closing our descriptor later would drop
 * SQLite's POSIX locks). */
static int precheck(const char *path, const char *shown, bool *live, bool *lock_known,
                    char *err, size_t errlen)
{
    struct stat st;
    unsigned char h[100];

    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            snprintf(err, errlen, "%s: no such file", shown);
        else
            snprintf(err, errlen, "%s: %s", shown, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a recording", shown);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", shown);
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file, not a fusetrace recording", shown);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", shown, strerror(errno));
        return -1;
    }
    ssize_t n = pread(fd, h, sizeof h, 0);
    struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
                        .l_start = FUSETRACE_LIVE_LOCK_OFFSET, .l_len = 1 };
    *lock_known = fcntl(fd, F_OFD_GETLK, &fl) == 0;
    *live = *lock_known && fl.l_type != F_UNLCK;
    close(fd);

    if (n < 16 || memcmp(h, "SQLite format 3", 16) != 0) {
        snprintf(err, errlen, "%s: not an SQLite database (not a fusetrace recording)", shown);
        return -1;
    }
    if (n < (ssize_t)sizeof h) {
        snprintf(err, errlen, "%s: truncated (%lld bytes, shorter than an SQLite header)",
                 shown, (long long)st.st_size);
        return -1;
    }
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1)
        page = 65536;
    if (page < 512 || (page & (page - 1))) {
        snprintf(err, errlen, "%s: corrupt SQLite header (page size %u)", shown, page);
        return -1;
    }
    /* The in-header page count is valid when the version-valid-for number
     * matches the change counter.  With a non-empty WAL the main file may
     * lag behind (a checkpoint interrupted by a kill): let SQLite recover. */
    uint32_t pages = be32(h + 28);
    char wal[4096 + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    bool valid = be32(h + 92) == be32(h + 24);
    if (valid && !file_nonempty(wal)
        && ((uint64_t)st.st_size < (uint64_t)pages * page || st.st_size % page)) {
        snprintf(err, errlen, "%s: truncated (%lld of %llu bytes)", shown,
                 (long long)st.st_size, (unsigned long long)pages * page);
        return -1;
    }
    return 0;
}

static int open_sqlite(const char *path, bool immutable, sqlite3 **db)
{
    char uri[4096 + 64];
    if (immutable) {
        /* A finished recording in a read-only directory: SQLite cannot
         * create the -shm file there, but with no WAL left nothing needs
         * it.  URI-escape the few characters that matter. */
        size_t o = (size_t)snprintf(uri, sizeof uri, "file:");
        for (const char *p = path; *p && o + 4 < sizeof uri; p++) {
            if (*p == '?' || *p == '#' || *p == '%')
                o += (size_t)snprintf(uri + o, sizeof uri - o, "%%%02X", (unsigned char)*p);
            else
                uri[o++] = *p;
        }
        snprintf(uri + o, sizeof uri - o, "?immutable=1");
        return sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    }
    return sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
}

static const char *sqlite_reason(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOTADB: return "not an SQLite database (not a fusetrace recording)";
    case SQLITE_CORRUPT: return "corrupt or truncated database";
    default: return NULL;
    }
}

static int probe(sqlite3 *db, int *version, bool *has_session)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
    rc = sqlite3_prepare_v2(db,
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='session'",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    *has_session = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int64_t col_int(sqlite3_stmt *st, int i, int64_t dflt)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

/* The session facts of every session the name `session` shows (all of a
 * fleet database, or a selection: see session_select.h): the first one's
 * identity, counters summed, and the first unfinished one's status and
 * reason (named by session and host when there are several). */
static int read_session(sqlite3 *db, struct tracedb_info *in, char *status, size_t scap)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db,
        "SELECT status, incomplete_reason, uuid, recorder_pid, start_realtime_ns, "
        "end_ts, events_seen, events_stored, events_lost, requests_seen, replies_seen, "
        "sides = 'daemon+kernel', id, coalesce(host, '?') FROM session ORDER BY id",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    in->sessions = 0;
    in->events_seen = in->events_stored = in->events_lost = 0;
    in->requests_seen = in->replies_seen = 0;
    char first_reason[sizeof in->reason] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(st, 0);
        const unsigned char *r = sqlite3_column_text(st, 1);
        if (in->sessions == 0) {
            snprintf(status, scap, "%s", s ? (const char *)s : "");
            snprintf(in->reason, sizeof in->reason, "%s", r ? (const char *)r : "");
            const unsigned char *u = sqlite3_column_text(st, 2);
            snprintf(in->uuid, sizeof in->uuid, "%s", u ? (const char *)u : "");
            in->recorder_pid = col_int(st, 3, 0);
            in->start_realtime_ns = col_int(st, 4, 0);
            in->end_ts = col_int(st, 5, -1);
            in->kernel_side = col_int(st, 11, 0) != 0;
            in->first_session = col_int(st, 12, 1);
        } else if (s && strcmp((const char *)s, "complete") != 0 && !first_reason[0]) {
            /* a fleet: the first unfinished session decides, named */
            snprintf(first_reason, sizeof first_reason, "session %lld (host %s): %s",
                     (long long)col_int(st, 12, 0), (const char *)sqlite3_column_text(st, 13),
                     r ? (const char *)r : (const char *)s);
            if (strcmp(status, "complete") == 0)
                snprintf(status, scap, "%s", (const char *)s);
        }
        in->events_seen += col_int(st, 6, 0);
        in->events_stored += col_int(st, 7, 0);
        in->events_lost += col_int(st, 8, 0);
        in->requests_seen += col_int(st, 9, 0);
        in->replies_seen += col_int(st, 10, 0);
        in->sessions++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return rc;
    if (in->sessions == 0)
        return SQLITE_NOTFOUND;
    if (in->sessions > 1 && in->reason[0]) {
        char own[sizeof in->reason];
        snprintf(own, sizeof own, "%s", in->reason);
        snprintf(in->reason, sizeof in->reason, "session %lld: %.440s",
                 (long long)in->first_session, own);
    } else if (!in->reason[0] && first_reason[0]) {
        snprintf(in->reason, sizeof in->reason, "%s", first_reason);
    }
    return SQLITE_OK;
}

/* status text -> in->status, settling a 'recording' row whose recorder is
 * gone (only a single recording can be live: a fleet is written by the
 * importer, which never leaves a session 'recording'). */
static void settle_status(struct tracedb_info *in, const char *status, bool live, bool lock_known)
{
    if (strcmp(status, "complete") == 0) {
        in->status = TRACEDB_COMPLETE;
    } else if (strcmp(status, "recording") == 0) {
        if (live) {
            in->status = TRACEDB_RECORDING;
        } else if (!lock_known && in->recorder_pid > 0 && kill((pid_t)in->recorder_pid, 0) == 0) {
            /* No lock support on this filesystem: the pid is all we have. */
            in->status = TRACEDB_RECORDING;
            in->live = true;
        } else {
            in->status = TRACEDB_INCOMPLETE;
            snprintf(in->reason, sizeof in->reason,
                     "the recorder stopped without finishing (killed or crashed); "
                     "events up to its last commit are present");
        }
    } else {
        in->status = TRACEDB_INCOMPLETE;
        if (!in->reason[0])
            snprintf(in->reason, sizeof in->reason, "recording marked incomplete");
    }
}

int tracedb_reread(sqlite3 *db, struct tracedb_info *in)
{
    char status[32] = "";
    bool live = in->live;
    if (read_session(db, in, status, sizeof status) != SQLITE_OK)
        return -1;
    settle_status(in, status, live, true);
    return 0;
}

int tracedb_open(const char *path, sqlite3 **dbp, struct tracedb_info *info,
                 char *err, size_t errlen)
{
    struct tracedb_info local;
    struct tracedb_info *in = info ? info : &local;
    bool live = false, lock_known = false;
    sqlite3 *db = NULL;
    char status[32] = "";
    int version = 0;
    bool has_session = false;
    int rc;

    *dbp = NULL;
    memset(in, 0, sizeof *in);
    if (!path || !*path) {
        snprintf(err, errlen, "no database given");
        return -1;
    }
    /* Messages name the file escaped: a path is as untrusted as anything
     * recorded and must not carry terminal control sequences to stderr. */
    char shown[512];
    tx_escape_buf(shown, sizeof shown, path, strlen(path));
    if (precheck(path, shown, &live, &lock_known, err, errlen) != 0)
        return -1;

    char wal[4096 + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    rc = open_sqlite(path, false, &db);
    if (rc == SQLITE_OK)
        rc = probe(db, &version, &has_session);
    if ((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY) {
        /* Typically an unwritable directory: retry immutable when there is
         * no WAL content that would be missed. */
        if (!file_nonempty(wal)) {
            sqlite3_close(db);
            db = NULL;
            rc = open_sqlite(path, true, &db);
            if (rc == SQLITE_OK)
                rc = probe(db, &version, &has_session);
        }
    }
    if (rc != SQLITE_OK) {
        const char *why = sqlite_reason(rc);
        snprintf(err, errlen, "%s: %s", shown,
                 why ? why : (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
        sqlite3_close(db);
        return -1;
    }
    if (!has_session) {
        snprintf(err, errlen, "%s: an SQLite database, but not a fusetrace recording "
                 "(no session table)", path);
        sqlite3_close(db);
        return -1;
    }
    if (version > FUSETRACE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: recorded by a newer fusetrace (schema version %d; "
                 "this build reads version %d)", shown, version, FUSETRACE_SCHEMA_VERSION);
        sqlite3_close(db);
        return -1;
    }
    if (version < 1) {
        snprintf(err, errlen, "%s: not a fusetrace recording (schema version %d)", shown, version);
        sqlite3_close(db);
        return -1;
    }
    if (version < FUSETRACE_SCHEMA_VERSION) {
        /* Version 2 has no paths per request nor decoded columns, version 1
         * kept the tid in every event row; their own views still work in
         * any sqlite3. */
        snprintf(err, errlen, "%s: recorded by an older fusetrace (schema version %d; "
                 "this build reads version %d; the recording's own views still "
                 "work in sqlite3)", shown, version, FUSETRACE_SCHEMA_VERSION);
        sqlite3_close(db);
        return -1;
    }
    rc = read_session(db, in, status, sizeof status);
    if (rc != SQLITE_OK) {
        const char *why = sqlite_reason(rc);
        snprintf(err, errlen, "%s: %s", shown,
                 rc == SQLITE_NOTFOUND ? "no session row (not a usable recording)"
                 : why ? why : sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    in->schema_version = version;
    in->live = live;
    settle_status(in, status, live, lock_known);
    *dbp = db;
    return 0;
}
