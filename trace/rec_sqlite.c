/* rec_sqlite.c — creating, filling and finalising a recording database. */
#include "trace/rec_sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schemas/schema_sql.h"
#include "schemas/db_format.h"

/* Column lists, in the order the writer binds them (rec_ingest.c), and
 * the widths the batches may use (rec_batch.h): columns that are NULL in
 * most rows come last, so most rows go through a narrow statement. */
#define W(...) { __VA_ARGS__ }, sizeof((int[]){ __VA_ARGS__ }) / sizeof(int)
static const struct {
    const char *insert;
    int ncols;
    int widths[BATCH_MAX_WIDTHS];
    int nwidths;
} tables[T_NTABLES] = {
    /* 13: LOOKUP and other name-only requests; 19: fh/offset/size/flags/
     * mode/umask requests; 31: renames, links, locks, FORGET, INTERRUPT,
     * extra; 32: a request the wire tap handed on edited (STATX, TMPFILE). */
    [T_REQUEST] = { "INSERT INTO request(ts,unique_id,opcode,nodeid,uid,gid,pid,"
                    "process_id,thread,len,path_id,name,entry_path_id,flags,fh,offset,size,"
                    "mode,umask,name2,nodeid2,path2_id,entry2_path_id,lock_type,lock_start,"
                    "lock_end,valid,nlookup,target_unique,extra,data,tap_edit)", 32, W(13, 19, 31, 32) },
    /* OR IGNORE: a second reply with the same unique (which libfuse never
     * sends) must not abort the batch; it is counted instead.
     * 7: errors and byte counts; 16: entries, attributes, opens. */
    [T_REPLY] = { "INSERT OR IGNORE INTO reply(unique_id,ts,thread,opcode,error,len,"
                  "bytes,nodeid,generation,attr_mode,attr_size,attr_ino,attr_uid,attr_gid,"
                  "fh,open_flags,count,name,extra,data,tap_edit)", 21, W(7, 16, 20, 21) },
    [T_NOTIFY] = { "INSERT INTO notify(ts,thread,code,len,nodeid,nodeid2,name,offset,"
                   "size,notify_unique,data)", 11, W(11) },
    [T_FORGET] = { "INSERT INTO forget(ts,unique_id,nodeid,nlookup)", 4, W(4) },
    [T_DIRENT] = { "INSERT INTO dirent(unique_id,nodeid,name,type,ino,off,attr_mode,attr_size)",
                   8, W(6, 8) },
    /* 9: REF, UNREF, FREE, FD_OPEN, FD_EVICT; 11: HANDLE; 16: NEW;
     * 22: I/O mode events. */
    [T_INODE_EVENT] = { "INSERT INTO inode_event(ts,unique_id,thread,kind,cause,nodeid,"
                        "nlookup,delta,fd,handle,handle_type,parent,name,dev,ino,mnt_id,"
                        "err,other_nodeid,io_mode,io_prev,io_why,backing_id)", 22,
                        W(9, 11, 16, 22) },
    [T_INODE] = { "INSERT OR REPLACE INTO inode(nodeid,ts,parent,name,path,dev,ino,mnt_id)",
                  8, W(8) },
    [T_FH] = { "INSERT INTO fh_event(ts,unique_id,thread,kind,fh,nodeid,flags,fd,created,"
               "io_mode,size)", 11, W(9, 11) },
    [T_BACKING] = { "INSERT INTO backing_call(ts,unique_id,thread,call_id,fd,arg,result,"
                    "err,dur_ns,name)", 10, W(9, 10) },
    [T_CALL] = { "INSERT OR REPLACE INTO call_name(id,name)", 2, W(2) },
    /* Rewritten as the writer learns more (rec_process.h).
     * 7: running processes described from /proc; 14: exits, trees. */
    [T_PROCESS] = { "INSERT OR REPLACE INTO process(id,pid,first_ts,command,start_time,comm,"
                    "cmdline,ppid,parent_id,replaced_id,origin,exit_ts,exit_code,exit_signal)",
                    14, W(7, 14) },
    [T_LOSS] = { "INSERT INTO loss(ts,thread,events)", 3, W(3) },
    [T_MANIFEST] = { "INSERT INTO manifest(ts,unique_id,nodeid,parent,name,mode,size,uid,gid,"
                     "rdev,nlink,dev,ino,atime_ns,mtime_ns,ctime_ns,link_target,data)", 18,
                     W(16, 18) },
    [T_THREAD] = { "INSERT INTO thread(id,tid)", 2, W(2) },
    /* 8: fork, exec, exit, rename, COMMAND; 12: identities */
    [T_PROCESS_EVENT] = { "INSERT INTO process_event(ts,kind,pid,tgid,process_id,ppid,"
                          "exit_status,image_ts,start_time,comm,cmdline)", 11, W(7, 11) },
    /* OR IGNORE, like reply: one row per request (the watchdog reports a
     * request once); a duplicate must not abort the batch. */
    [T_STALL] = { "INSERT OR IGNORE INTO stall(unique_id,ts,thread,held_ts,call_id,fd,arg,"
                  "call_ts,name,fd_path,wchan,kernel_stack)", 12, W(12) },
    [T_STALL_END] = { "INSERT OR IGNORE INTO stall_end(unique_id,ts,reason)", 3, W(3) },
    [T_PATH] = { "INSERT INTO path(id,dir,path)", 3, W(3) },
    [T_NODE_NAME] = { "INSERT INTO node_name(ts,unique_id,nodeid,parent,name,path_id)", 6, W(6) },
    /* OR IGNORE, like reply: a unique comes once per connection (only a
     * NOTIFY_REPLY carries one the daemon chose). */
    [T_KSEND] = { "INSERT OR IGNORE INTO kernel_send(unique_id,ts,opcode,len,tid)", 5, W(5) },
    [T_KEND] = { "INSERT OR IGNORE INTO kernel_end(unique_id,ts,len,error)", 4, W(4) },
    [T_COUNTER] = { "INSERT INTO counter(ts,name,value)", 3, W(3) },
};
#undef W

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK && err)
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return rc;
}

static int step_once(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int rrc = sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return SQLITE_OK;
    return rrc != SQLITE_OK ? rrc : rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int insert_errnos(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = prep(db, "INSERT INTO errno_name(errno,name,message) VALUES(?,?,?)",
                  &st, err, errlen);
    if (rc != SQLITE_OK)
        return rc;
    /* Linux errnos end at EHWPOISON (133); scan a little further so a newer
     * C library's additions are picked up too. */
    for (int e = 1; e < 256 && rc == SQLITE_OK; e++) {
        const char *name = strerrorname_np(e);
        if (!name)
            continue;
        sqlite3_bind_int(st, 1, e);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, strerrordesc_np(e), -1, SQLITE_STATIC);
        rc = step_once(st);
    }
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "filling errno_name: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

static int insert_session(sqlite3 *db, const struct session_facts *f,
                          char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = prep(db,
        "INSERT INTO session(id,uuid,schema_version,status,start_realtime_ns,"
        "start_monotonic_ns,clock_offset_ns,recorder_pid,fusetrace_version,source,mountpoint,"
        "command,options,host,kernel,libfuse_version,capture_data,drop_mode,"
        "lttng,ring_bytes,snapshot_data) VALUES(1,?,?,'recording',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &st, err, errlen);
    if (rc != SQLITE_OK)
        return rc;
    int i = 1;
    bind_text_or_null(st, i++, f->uuid);
    sqlite3_bind_int(st, i++, FUSETRACE_SCHEMA_VERSION);
    sqlite3_bind_int64(st, i++, f->start_realtime_ns);
    sqlite3_bind_int64(st, i++, f->start_monotonic_ns);
    /* Wall clock of an event: ts + start_monotonic_ns + clock_offset_ns. */
    sqlite3_bind_int64(st, i++, f->have_clock_offset ? f->clock_offset_ns
                                                     : f->start_realtime_ns - f->start_monotonic_ns);
    sqlite3_bind_int64(st, i++, f->pid);
    bind_text_or_null(st, i++, f->version);
    bind_text_or_null(st, i++, f->source);
    bind_text_or_null(st, i++, f->mountpoint);
    bind_text_or_null(st, i++, f->command);
    bind_text_or_null(st, i++, f->options);
    bind_text_or_null(st, i++, f->host);
    bind_text_or_null(st, i++, f->kernel);
    bind_text_or_null(st, i++, f->libfuse);
    sqlite3_bind_int64(st, i++, f->capture_data);
    sqlite3_bind_int64(st, i++, f->drop);
    sqlite3_bind_int64(st, i++, f->lttng);
    sqlite3_bind_int64(st, i++, f->ring_bytes);
    sqlite3_bind_int64(st, i++, f->snapshot_data);
    rc = step_once(st);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "writing the session row: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = exec(db, "INSERT INTO inode(nodeid,ts,path) VALUES(1,0,'/')", err, errlen);
    if (rc == SQLITE_OK)
        rc = exec(db, "INSERT INTO path(id,dir,path) VALUES(1,NULL,'/')", err, errlen);
    return rc;
}

static int prepare_all(struct sink *s, char *err, size_t errlen)
{
    int rc = SQLITE_OK;
    for (int t = 0; t < T_NTABLES && rc == SQLITE_OK; t++)
        rc = batch_init(&s->b[t], s->db, tables[t].insert, tables[t].ncols,
                        tables[t].widths, tables[t].nwidths, err, errlen);
    if (rc == SQLITE_OK)
        rc = prep(s->db,
            "UPDATE session SET events_seen=?1,events_stored=?2,events_lost=?3,"
            "requests_seen=?4,replies_seen=?5,kernel_events_lost=?6 WHERE id=1",
            &s->st_counters, err, errlen);
    if (rc == SQLITE_OK)
        rc = prep(s->db,
            "UPDATE session SET kernel_proto_major=?1,kernel_proto_minor=?2,"
            "kernel_max_readahead=?3,kernel_flags=?4 WHERE id=1",
            &s->st_init_kernel, err, errlen);
    if (rc == SQLITE_OK)
        rc = prep(s->db,
            "UPDATE session SET init_ts=?1,proto_major=?2,proto_minor=?3,init_flags=?4,"
            "max_readahead=?5,max_write=?6,max_background=?7,congestion_threshold=?8,"
            "time_gran=?9,max_pages=?10 WHERE id=1", &s->st_init_reply, err, errlen);
    if (rc == SQLITE_OK)
        rc = prep(s->db,
            "UPDATE session SET entry_timeout_ns=?1,attr_timeout_ns=?2 WHERE id=1",
            &s->st_timeouts, err, errlen);
    if (rc == SQLITE_OK)
        rc = prep(s->db,
            "UPDATE session SET sides=?1,kernel_connection=?2,kernel_trace_note=?3 WHERE id=1",
            &s->st_sides, err, errlen);
    return rc;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 || errno != ENOENT;
}

int sink_create(struct sink *s, const char *path, const struct session_facts *f,
                char *err, size_t errlen)
{
    char side[4096 + 8];
    char why[512] = "";
    struct stat st;
    int rc;

    memset(s, 0, sizeof *s);
    s->lock_fd = -1;

    if (lstat(path, &st) == 0) {
        snprintf(err, errlen, "refusing to overwrite existing file %s", path);
        return -1;
    }
    /* A leftover -wal next to a new database would be replayed into it. */
    for (int i = 0; i < 2; i++) {
        snprintf(side, sizeof side, "%s%s", path, i ? "-shm" : "-wal");
        if (exists(side)) {
            snprintf(err, errlen, "refusing to record to %s: stale %s exists", path, side);
            return -1;
        }
    }
    /* O_EXCL: never overwrite an earlier recording (or anything else). */
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            snprintf(err, errlen, "refusing to overwrite existing file %s", path);
        else
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    s->lock_fd = fd;
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
                        .l_start = FUSETRACE_LIVE_LOCK_OFFSET, .l_len = 1 };
    if (fchmod(fd, 0600) != 0 || fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
        goto fail;
    }

    /* Memory statistics put a global mutex around every SQLite allocation;
     * the recorder never reads them.  Only possible before SQLite is first
     * initialised in this process, and harmless (SQLITE_MISUSE) after. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                         NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    /* Page size stays SQLite's 4 KiB: 8 KiB measured the same ingest cost
     * and within 1 % of the bytes per row on metabench.
     * WAL + NORMAL: a process crash loses only the open transaction;
     * 16 MiB of page cache keeps the B-tree appends in memory. */
    /* A 64 MiB WAL between checkpoints: each checkpoint syncs and rewrites
     * pages, so fewer of them is most of the ingest cost on a real disk. */
    if (exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;"
                    "PRAGMA wal_autocheckpoint=16384;",
             why, sizeof why) != SQLITE_OK
        || exec(s->db, "BEGIN", why, sizeof why) != SQLITE_OK
        || exec(s->db, schema_tables_sql, why, sizeof why) != SQLITE_OK
        || exec(s->db, schema_lookup_sql, why, sizeof why) != SQLITE_OK
        || exec(s->db, schema_views_sql, why, sizeof why) != SQLITE_OK
        || insert_errnos(s->db, why, sizeof why) != SQLITE_OK
        || insert_session(s->db, f, why, sizeof why) != SQLITE_OK
        || exec(s->db, "COMMIT", why, sizeof why) != SQLITE_OK
        || prepare_all(s, why, sizeof why) != SQLITE_OK) {
        snprintf(err, errlen, "cannot initialise %s: %s", path, why);
        goto fail;
    }
    /* When the database's filesystem fills up, the final UPDATE of the
     * session row needs a page or two of its own; keep them on reserve.
     * Best effort: without it a full disk may leave status 'recording',
     * which readers still report as incomplete (the liveness lock is gone). */
    snprintf(s->reserve, sizeof s->reserve, "%s-reserve", path);
    int rfd = open(s->reserve, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (rfd < 0 || posix_fallocate(rfd, 0, 128 << 10) != 0) {
        if (rfd >= 0)
            unlink(s->reserve);
        s->reserve[0] = '\0';
    }
    if (rfd >= 0)
        close(rfd);
    return 0;

fail:
    sink_close(s);
    unlink(path);
    for (int i = 0; i < 2; i++) {
        snprintf(side, sizeof side, "%s%s", path, i ? "-shm" : "-wal");
        unlink(side);
    }
    return -1;
}

int sink_begin(struct sink *s)
{
    int rc = exec(s->db, "BEGIN", NULL, 0);
    s->in_txn = rc == SQLITE_OK;
    return rc;
}

static int store_counters(struct sink *s, const struct sink_counters *c)
{
    sqlite3_bind_int64(s->st_counters, 1, (int64_t)c->seen);
    sqlite3_bind_int64(s->st_counters, 2, (int64_t)c->stored);
    sqlite3_bind_int64(s->st_counters, 3, (int64_t)c->lost);
    sqlite3_bind_int64(s->st_counters, 4, (int64_t)c->req_seen);
    sqlite3_bind_int64(s->st_counters, 5, (int64_t)c->rep_seen);
    sqlite3_bind_int64(s->st_counters, 6, (int64_t)c->kernel_lost);
    return step_once(s->st_counters);
}

int sink_commit(struct sink *s, const struct sink_counters *c)
{
    int rc = SQLITE_OK;
    for (int t = 0; t < T_NTABLES && rc == SQLITE_OK; t++)
        rc = batch_flush(&s->b[t]);
    if (rc == SQLITE_OK)
        rc = store_counters(s, c);
    if (rc == SQLITE_OK)
        rc = exec(s->db, "COMMIT", NULL, 0);
    if (rc == SQLITE_OK)
        s->in_txn = false;
    return rc;
}

void sink_rollback(struct sink *s)
{
    for (int t = 0; t < T_NTABLES; t++)
        batch_discard(&s->b[t]);
    if (s->db && !sqlite3_get_autocommit(s->db))
        exec(s->db, "ROLLBACK", NULL, 0);
    s->in_txn = false;
}

int sink_init_kernel(struct sink *s, int64_t major, int64_t minor,
                     int64_t max_readahead, int64_t flags)
{
    sqlite3_bind_int64(s->st_init_kernel, 1, major);
    sqlite3_bind_int64(s->st_init_kernel, 2, minor);
    sqlite3_bind_int64(s->st_init_kernel, 3, max_readahead);
    sqlite3_bind_int64(s->st_init_kernel, 4, flags);
    return step_once(s->st_init_kernel);
}

int sink_init_reply(struct sink *s, const struct sink_init_reply *r)
{
    sqlite3_stmt *st = s->st_init_reply;
    sqlite3_bind_int64(st, 1, r->ts);
    sqlite3_bind_int64(st, 2, r->major);
    sqlite3_bind_int64(st, 3, r->minor);
    sqlite3_bind_int64(st, 4, r->flags);
    sqlite3_bind_int64(st, 5, r->max_readahead);
    sqlite3_bind_int64(st, 6, r->max_write);
    sqlite3_bind_int64(st, 7, r->max_background);
    sqlite3_bind_int64(st, 8, r->congestion_threshold);
    sqlite3_bind_int64(st, 9, r->time_gran);
    sqlite3_bind_int64(st, 10, r->max_pages);
    return step_once(st);
}

int sink_timeouts(struct sink *s, int64_t entry_ns, int64_t attr_ns)
{
    sqlite3_bind_int64(s->st_timeouts, 1, entry_ns);
    sqlite3_bind_int64(s->st_timeouts, 2, attr_ns);
    return step_once(s->st_timeouts);
}

void sink_end_reason(struct sink *s, const char *cause, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM inflight", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (n < 0)
        snprintf(out, outlen, "%s; requests unanswered: unknown (%s)", cause, sqlite3_errmsg(s->db));
    else
        snprintf(out, outlen, "%s; %lld request%s unanswered", cause, n, n == 1 ? "" : "s");
}

int sink_sides(struct sink *s, bool kernel, int64_t connection, const char *note, size_t note_len)
{
    sqlite3_stmt *st = s->st_sides;
    sqlite3_bind_text(st, 1, kernel ? "daemon+kernel" : "daemon", -1, SQLITE_STATIC);
    if (kernel)
        sqlite3_bind_int64(st, 2, connection);
    else
        sqlite3_bind_null(st, 2);
    if (note && note_len)
        sqlite3_bind_text(st, 3, note, (int)note_len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    return step_once(st);
}

static int set_status(struct sink *s, const struct sink_counters *c, bool complete,
                      const char *reason, int64_t end_ts)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
        "UPDATE session SET status=?1,incomplete_reason=?2,end_ts=?3,events_seen=?4,"
        "events_stored=?5,events_lost=?6,requests_seen=?7,replies_seen=?8,"
        "kernel_events_lost=?9 WHERE id=1",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(st, 1, complete ? "complete" : "incomplete", -1, SQLITE_STATIC);
    if (complete || !reason)
        sqlite3_bind_null(st, 2);
    else
        sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, end_ts);
    sqlite3_bind_int64(st, 4, (int64_t)c->seen);
    sqlite3_bind_int64(st, 5, (int64_t)c->stored);
    sqlite3_bind_int64(st, 6, (int64_t)c->lost);
    sqlite3_bind_int64(st, 7, (int64_t)c->req_seen);
    sqlite3_bind_int64(st, 8, (int64_t)c->rep_seen);
    sqlite3_bind_int64(st, 9, (int64_t)c->kernel_lost);
    rc = step_once(st);
    sqlite3_finalize(st);
    return rc;
}

int sink_finish(struct sink *s, const struct sink_counters *c, bool complete,
                const char *reason, int64_t end_ts, char *err, size_t errlen)
{
    char why[512] = "";
    int rc = SQLITE_OK;
    if (s->in_txn)
        rc = sink_commit(s, c);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "final commit: %s", sqlite3_errmsg(s->db));
        return rc;
    }
    rc = exec(s->db, "BEGIN", why, sizeof why);
    if (rc == SQLITE_OK)
        rc = exec(s->db, schema_indexes_sql, why, sizeof why);
    if (rc == SQLITE_OK)
        rc = set_status(s, c, complete, reason, end_ts);
    if (rc == SQLITE_OK)
        rc = exec(s->db, "COMMIT", why, sizeof why);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "finalising: %s", why[0] ? why : sqlite3_errmsg(s->db));
        sink_rollback(s);
        return rc;
    }
    /* A finished recording is one self-contained file: fold the WAL in and
     * leave WAL mode, so readers need no -wal/-shm files (and leave none
     * behind), and a read-only copy opens anywhere. */
    exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", NULL, 0);
    return SQLITE_OK;
}

static void release_reserve(struct sink *s)
{
    if (s->reserve[0])
        unlink(s->reserve);
    s->reserve[0] = '\0';
}

void sink_mark_incomplete(struct sink *s, const struct sink_counters *c,
                          const char *reason, int64_t end_ts)
{
    if (!s->db)
        return;
    release_reserve(s);
    sink_rollback(s);
    set_status(s, c, false, reason, end_ts);
}

void sink_close(struct sink *s)
{
    release_reserve(s);
    for (int t = 0; t < T_NTABLES; t++)
        batch_free(&s->b[t]);
    sqlite3_finalize(s->st_counters);
    sqlite3_finalize(s->st_init_kernel);
    sqlite3_finalize(s->st_init_reply);
    sqlite3_finalize(s->st_timeouts);
    sqlite3_finalize(s->st_sides);
    s->st_counters = s->st_init_kernel = s->st_init_reply = s->st_timeouts = NULL;
    s->st_sides = NULL;
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
    /* Only after SQLite closed its descriptors: closing any descriptor of
     * the file drops the process's POSIX locks on it, SQLite's included. */
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    s->lock_fd = -1;
}
