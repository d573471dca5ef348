/* vdb.c — see vdb.h. */
#include "viewer/vdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracedb/session_select.h"
#include "viewer/text.h"
#include "util/out_file.h"

int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

const char *const ev_table[EV_COUNT] = { "inode_event", "fh_event", "backing_call" };

const char *const vdb_row_cols =
    "id, ts, unique_id, opcode, op, nodeid, path, name, name2, pid, "
    "(SELECT comm FROM process p WHERE p.id = op.process_id), fh, offset, size, flags, mode, "
    "reply_ts, latency_ns, errno, errno_name, entry_nodeid, reply_fh, bytes, outcome, "
    "(SELECT nlookup FROM request q WHERE q.id = op.id), "
    "(SELECT 1 FROM stall s WHERE s.unique_id = op.unique_id)";

void oprow_free(struct oprow *r)
{
    free(r->path);
    free(r->name);
    free(r->name2);
    free(r->comm);
    memset(r, 0, sizeof *r);
}

void oprow_move(struct oprow *dst, struct oprow *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return NULL;
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    char *s = malloc((size_t)n + 1);
    if (s) {
        memcpy(s, t, (size_t)n);
        s[n] = 0;
    }
    return s;
}

static bool opt_int(sqlite3_stmt *st, int i, int64_t *v)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        *v = 0;
        return false;
    }
    *v = sqlite3_column_int64(st, i);
    return true;
}

static void load_row(sqlite3_stmt *st, struct oprow *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->ts = sqlite3_column_int64(st, 1);
    r->unique = sqlite3_column_int64(st, 2);
    r->opcode = sqlite3_column_int(st, 3);
    const unsigned char *op = sqlite3_column_text(st, 4);
    if (op)
        snprintf(r->op, sizeof r->op, "%s", (const char *)op);
    else
        snprintf(r->op, sizeof r->op, "OP%d", r->opcode);
    r->nodeid = sqlite3_column_int64(st, 5);
    r->path = dup_col(st, 6);
    r->name = dup_col(st, 7);
    r->name2 = dup_col(st, 8);
    r->pid = sqlite3_column_int64(st, 9);
    r->comm = dup_col(st, 10);
    r->has_fh = opt_int(st, 11, &r->fh);
    r->has_offset = opt_int(st, 12, &r->offset);
    r->has_size = opt_int(st, 13, &r->size);
    r->has_flags = opt_int(st, 14, &r->flags);
    r->has_mode = opt_int(st, 15, &r->mode);
    r->has_reply = opt_int(st, 16, &r->reply_ts);
    opt_int(st, 17, &r->lat);
    opt_int(st, 18, &r->err);
    const unsigned char *en = sqlite3_column_text(st, 19);
    if (en)
        snprintf(r->errname, sizeof r->errname, "%s", (const char *)en);
    r->has_entry = opt_int(st, 20, &r->entry_nodeid);
    r->has_rfh = opt_int(st, 21, &r->reply_fh);
    r->has_bytes = opt_int(st, 22, &r->bytes);
    const unsigned char *oc = sqlite3_column_text(st, 23);
    r->outcome = !oc ? 'i' : !strcmp((const char *)oc, "ok") ? 'o' : !strcmp((const char *)oc, "error") ? 'e'
               : !strcmp((const char *)oc, "noreply") ? 'n' : 'i';
    opt_int(st, 24, &r->nlookup);
    r->stalled = sqlite3_column_type(st, 25) != SQLITE_NULL;
}

static void at_fn(sqlite3_context *c, int argc, sqlite3_value **argv);

static int progress_cb(void *arg)
{
    struct vdb *v = arg;
    if (v->deadline && now_ns() > v->deadline) {
        v->interrupted = true;
        return 1;
    }
    return 0;
}

/* FUSETRACE_VIEW_SQLPROF=FILE: append every statement that took more than
 * 1 ms (with its bound values) to FILE.  A diagnostic for finding a query
 * that an index does not bound; off unless the variable is set. */
static int prof_cb(unsigned type, void *ctx, void *p, void *x)
{
    if (type != SQLITE_TRACE_PROFILE)
        return 0;
    int64_t ns = *(const sqlite3_int64 *)x;
    if (ns < 1000000)
        return 0;
    const char *path = getenv("FUSETRACE_VIEW_SQLPROF");
    FILE *f = path ? out_file_open(path, true) : NULL;
    if (!f)
        return 0;
    char *sql = sqlite3_expanded_sql(p);
    fprintf(f, "%-3s %9.1f ms  %s\n", (const char *)ctx, (double)ns / 1e6, sql ? sql : sqlite3_sql(p));
    sqlite3_free(sql);
    fclose(f);
    return 0;
}

void vdb_profile(sqlite3 *db, const char *tag)
{
    if (getenv("FUSETRACE_VIEW_SQLPROF"))
        sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, prof_cb, (void *)tag);
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

static int64_t one_int(sqlite3 *db, const char *sql, int64_t dflt)
{
    sqlite3_stmt *st = prep(db, sql);
    int64_t v = dflt;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void read_bounds(struct vdb *v)
{
    v->min_id = one_int(v->db, "SELECT min(id) FROM request", 0);
    v->max_id = one_int(v->db, "SELECT max(id) FROM request", 0);
    v->t_first = one_int(v->db, "SELECT ts FROM request ORDER BY id LIMIT 1", 0);
    v->t_last = one_int(v->db, "SELECT ts FROM request ORDER BY id DESC LIMIT 1", 0);
}

/* tracedb_open()'s messages are already escaped for a terminal; ours carry
 * the path and SQLite's message (which may quote a hostile schema), so
 * escape both the same way. */
static void unusable(struct vdb *v, char *err, size_t errlen)
{
    char p[1024], m[512];
    fmt_escape(p, sizeof p, v->path);
    fmt_escape(m, sizeof m, sqlite3_errmsg(v->db));
    snprintf(err, errlen, "%s: not a usable fusetrace recording (%s)", p, m);
}

int vdb_open(struct vdb *v, const char *path, const char *session, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    snprintf(v->path, sizeof v->path, "%s", path);
    if (tracedb_open(path, &v->db, &v->info, err, errlen) != 0)
        return -1;
    /* The timeline pages through one session's ids (session k's lie in
     * (k-1)<<40 ... k<<40) and times (relative to its own start): a fleet
     * is shown one session at a time, the first unless told. */
    if (session || v->info.sessions > 1) {
        char first[32];
        int64_t all = v->info.sessions;
        snprintf(first, sizeof first, "%lld", (long long)v->info.first_session);
        snprintf(v->session, sizeof v->session, "%s", session ? session : first);
        sqlite3_close(v->db);
        v->db = NULL;
        if (tracedb_open_session(path, v->session, &v->db, &v->info, err, errlen) != 0)
            return -1;
        if (v->info.sessions != 1) {
            snprintf(err, errlen, "%s: host %s has %lld sessions in this database: show one "
                     "with --session ID", path, v->session, (long long)v->info.sessions);
            sqlite3_close(v->db);
            v->db = NULL;
            return -1;
        }
        sqlite3_stmt *st = prep(v->db, "SELECT id, coalesce(host, '?'), session_name FROM session");
        if (st && sqlite3_step(st) == SQLITE_ROW)
            snprintf(v->session_title, sizeof v->session_title, "session %lld of %lld: %.100s%s%.100s",
                     (long long)sqlite3_column_int64(st, 0), (long long)all,
                     (const char *)sqlite3_column_text(st, 1),
                     sqlite3_column_text(st, 2) ? " " : "",
                     sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
        sqlite3_finalize(st);
    }
    /* The `op` view and its lookup tables are what the viewer reads; a
     * database that has a session table but lacks them cannot be shown. */
    sqlite3_stmt *probe = prep(v->db, "SELECT id, ts, opcode, op, latency_ns, errno_name FROM op LIMIT 0");
    if (!probe) {
        unusable(v, err, errlen);
        sqlite3_close(v->db);
        v->db = NULL;
        return -1;
    }
    sqlite3_finalize(probe);
    sqlite3_busy_timeout(v->db, 200);
    vdb_profile(v->db, "ui");
    /* 32 MiB of pages in the process (SQLite's default is 2 MiB): moving
     * around one place of a session then reads nothing twice, whatever
     * the builder thread's scan does to the OS page cache. */
    sqlite3_exec(v->db, "PRAGMA cache_size = -32768", NULL, NULL, NULL);
    sqlite3_progress_handler(v->db, 1000, progress_cb, v);
    sqlite3_create_function(v->db, "ft_at", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, v, at_fn, NULL, NULL);
    read_bounds(v);
    for (int i = 0; i < EV_COUNT; i++)
        evcut_init(&v->cut[i], v->db, ev_table[i]);
    /* An index on request that starts with nodeid (none by default: see
     * schemas/indexes.sql).  request(nodeid) keeps each node's requests in
     * id order (the rowid is its last column): the timeline's order. */
    v->idx_nodeid = (int)one_int(v->db,
        "SELECT max(CASE WHEN n = 1 THEN 1 WHEN c2 = 'ts' THEN 2 ELSE 0 END) FROM ("
        " SELECT (SELECT count(*) FROM pragma_index_info(l.name)) AS n,"
        "        (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 1) AS c2"
        " FROM pragma_index_list('request') l"
        " WHERE l.partial = 0 AND (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 0) = 'nodeid')", 0);
    for (int i = 0; i <= 4096; i++)
        v->has_reply[i] = true;
    sqlite3_stmt *st = prep(v->db, "SELECT opcode, name, has_reply FROM opcode_name");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        int oc = sqlite3_column_int(st, 0);
        if (oc >= 0 && oc <= 4096)
            v->has_reply[oc] = sqlite3_column_int(st, 2) != 0;
        if (oc >= 0 && oc < 64)
            snprintf(v->opname[oc], sizeof v->opname[oc], "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    v->ts_of = prep(v->db, "SELECT id, ts FROM request WHERE id >= ? ORDER BY id LIMIT 1");
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT %s FROM op WHERE id = ?", vdb_row_cols);
    v->by_id = prep(v->db, sql);
    if (!v->ts_of || !v->by_id) {
        unusable(v, err, errlen);
        vdb_close(v);
        return -1;
    }
    if (vdb_set_filter(v, NULL, err, errlen) != 0) {
        vdb_close(v);
        return -1;
    }
    return 0;
}

void vdb_close(struct vdb *v)
{
    sqlite3_finalize(v->fwd);
    sqlite3_finalize(v->back);
    sqlite3_finalize(v->by_id);
    sqlite3_finalize(v->ts_of);
    for (int i = 0; i < EV_COUNT; i++)
        evcut_free(&v->cut[i]);
    free(v->filter);
    if (v->db)
        sqlite3_close(v->db);
    memset(v, 0, sizeof *v);
}

bool vdb_refresh(struct vdb *v)
{
    int64_t old_max = v->max_id;
    enum tracedb_status old_status = v->info.status;
    int64_t old_lost = v->info.events_lost;
    v->max_id = one_int(v->db, "SELECT max(id) FROM request", v->max_id);
    if (!v->min_id)
        v->min_id = one_int(v->db, "SELECT min(id) FROM request", 0);
    if (v->max_id != old_max) {
        v->t_last = one_int(v->db, "SELECT ts FROM request ORDER BY id DESC LIMIT 1", v->t_last);
        if (!v->t_first)
            v->t_first = one_int(v->db, "SELECT ts FROM request ORDER BY id LIMIT 1", 0);
    }
    sqlite3_stmt *st = prep(v->db, "SELECT status, events_lost, incomplete_reason FROM session ORDER BY id LIMIT 1");
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (s && !strcmp(s, "complete"))
            v->info.status = TRACEDB_COMPLETE;
        else if (s && !strcmp(s, "incomplete"))
            v->info.status = TRACEDB_INCOMPLETE;
        if (v->info.status != TRACEDB_RECORDING)
            v->info.live = false;  /* the recorder finished the file */
        v->info.events_lost = sqlite3_column_int64(st, 1);
        const char *why = (const char *)sqlite3_column_text(st, 2);
        if (why && v->info.status == TRACEDB_INCOMPLETE)
            snprintf(v->info.reason, sizeof v->info.reason, "%s", why);
    }
    sqlite3_finalize(st);
    return v->max_id != old_max || v->info.status != old_status || v->info.events_lost != old_lost;
}

int vdb_set_filter(struct vdb *v, const char *where, char *err, size_t errlen)
{
    const char *w = where && *where ? where : "1";
    char *fs = sqlite3_mprintf("SELECT %s FROM op WHERE ft_at(id) AND id > ?1 AND id <= ?2 AND (%s) "
                               "ORDER BY id LIMIT ?3", vdb_row_cols, w);
    char *bs = sqlite3_mprintf("SELECT %s FROM op WHERE ft_at(id) AND id < ?1 AND id >= ?2 AND (%s) "
                               "ORDER BY id DESC LIMIT ?3",
                               vdb_row_cols, w);
    sqlite3_stmt *f = NULL, *b = NULL;
    int rc = fs && bs ? sqlite3_prepare_v2(v->db, fs, -1, &f, NULL) : SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(v->db, bs, -1, &b, NULL);
    sqlite3_free(fs);
    sqlite3_free(bs);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(v->db));
        sqlite3_finalize(f);
        sqlite3_finalize(b);
        return -1;
    }
    sqlite3_finalize(v->fwd);
    sqlite3_finalize(v->back);
    v->fwd = f;
    v->back = b;
    free(v->filter);
    v->filter = strdup(w);
    return 0;
}

/* Bounded scans.  A filter or search predicate may match nothing for
 * millions of rows, so no statement is allowed to run past the caller's
 * deadline: the progress handler interrupts it.  To resume where it
 * stopped, every scan's WHERE starts with ft_at(id), which records the id
 * being examined (rows come in id order, so every id before it has been
 * examined); ft_at() is evaluated on the request row, before the joins and
 * the filter.  (Fixed id chunks were not enough: a chunk's cost depends on
 * where the matches are, and one sized on a dense page of the timeline ran
 * for seconds on a sparse filter.) */
static void at_fn(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct vdb *v = sqlite3_user_data(c);
    v->at = sqlite3_value_int64(argv[0]);
    v->at_set = true;
    sqlite3_result_int(c, 1);
}

/* Run st up to the deadline.  Returns SQLITE_ROW/DONE as sqlite3_step, or
 * SQLITE_INTERRUPT when the deadline cut it (v->at then tells how far). */
static int step_until(struct vdb *v, sqlite3_stmt *st, int64_t deadline)
{
    v->deadline = deadline;
    v->interrupted = false;
    int rc = sqlite3_step(st);
    v->deadline = 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && v->interrupted)
        rc = SQLITE_INTERRUPT;
    return rc;
}

/* After an interrupted scan in direction dir: the last id known to be
 * fully examined (the row ft_at() saw last may be half done). */
static int64_t examined_to(const struct vdb *v, int dir, int64_t from, int64_t last_row)
{
    int64_t p = v->at_set ? v->at - dir : from;
    if (dir > 0)
        return p > last_row ? p : last_row;
    return p < last_row ? p : last_row;
}

int vdb_scan(struct vdb *v, int dir, int64_t from, int want, int64_t deadline,
             struct oprow *out, int64_t *reached, bool *at_end)
{
    int got = 0;
    *at_end = false;
    *reached = from;
    if ((dir > 0 && from >= v->max_id) || (dir < 0 && from <= v->min_id)) {
        *at_end = true;
        return 0;
    }
    sqlite3_stmt *st = dir > 0 ? v->fwd : v->back;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, dir > 0 ? v->max_id : v->min_id);
    sqlite3_bind_int(st, 3, want);
    v->at_set = false;
    int64_t last = from;
    int rc;
    while ((rc = step_until(v, st, deadline)) == SQLITE_ROW) {
        load_row(st, &out[got]);
        last = out[got].id;
        if (++got >= want)
            break;
    }
    sqlite3_reset(st);
    if (got >= want)
        *reached = last;                        /* examined up to the last row */
    else if (rc == SQLITE_DONE) {
        *reached = dir > 0 ? v->max_id : v->min_id;
        *at_end = true;
    } else if (rc == SQLITE_INTERRUPT)
        *reached = examined_to(v, dir, from, last);
    else
        *reached = last;                        /* an error: keep what we have */
    return got;
}

int vdb_find_begin(struct vdb *v, struct vdb_find *f, const char *pred, int dir, int64_t from,
                   char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    char *sql = dir > 0
        ? sqlite3_mprintf("SELECT id FROM op WHERE ft_at(id) AND id > ?1 AND id <= ?2 AND (%s) AND (%s) "
                          "ORDER BY id LIMIT 1", v->filter, pred)
        : sqlite3_mprintf("SELECT id FROM op WHERE ft_at(id) AND id < ?1 AND id >= ?2 AND (%s) AND (%s) "
                          "ORDER BY id DESC LIMIT 1", v->filter, pred);
    int rc = sql ? sqlite3_prepare_v2(v->db, sql, -1, &f->st, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(v->db));
        return -1;
    }
    f->dir = dir;
    f->pos = from;
    return 0;
}

int vdb_find_step(struct vdb *v, struct vdb_find *f, int64_t deadline, int64_t *id)
{
    if (f->done || (f->dir > 0 && f->pos >= v->max_id) || (f->dir < 0 && f->pos <= v->min_id)) {
        f->done = true;
        return -1;
    }
    sqlite3_reset(f->st);
    sqlite3_bind_int64(f->st, 1, f->pos);
    sqlite3_bind_int64(f->st, 2, f->dir > 0 ? v->max_id : v->min_id);
    v->at_set = false;
    int rc = step_until(v, f->st, deadline);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(f->st, 0);
        sqlite3_reset(f->st);
        f->pos = *id;
        return 1;
    }
    sqlite3_reset(f->st);
    if (rc == SQLITE_INTERRUPT) {
        f->pos = examined_to(v, f->dir, f->pos, f->pos);
        return 0;
    }
    f->done = true;                             /* DONE, or an error */
    return -1;
}

void vdb_find_end(struct vdb_find *f)
{
    sqlite3_finalize(f->st);
    memset(f, 0, sizeof *f);
}

int vdb_row(struct vdb *v, int64_t id, struct oprow *out)
{
    sqlite3_reset(v->by_id);
    sqlite3_bind_int64(v->by_id, 1, id);
    int rc = sqlite3_step(v->by_id);
    if (rc == SQLITE_ROW)
        load_row(v->by_id, out);
    sqlite3_reset(v->by_id);
    return rc == SQLITE_ROW ? 0 : -1;
}

bool vdb_row_matches(struct vdb *v, int64_t id)
{
    if (!strcmp(v->filter, "1"))
        return true;
    char *sql = sqlite3_mprintf("SELECT 1 FROM op WHERE id = %lld AND (%s)", (long long)id, v->filter);
    sqlite3_stmt *st = sql ? prep(v->db, sql) : NULL;
    sqlite3_free(sql);
    bool ok = st && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return ok;
}

/* ts of the first request with id >= id (ids may have gaps). */
static bool ts_at(struct vdb *v, int64_t id, int64_t *got_id, int64_t *ts)
{
    sqlite3_reset(v->ts_of);
    sqlite3_bind_int64(v->ts_of, 1, id);
    bool ok = sqlite3_step(v->ts_of) == SQLITE_ROW;
    if (ok) {
        *got_id = sqlite3_column_int64(v->ts_of, 0);
        *ts = sqlite3_column_int64(v->ts_of, 1);
    }
    sqlite3_reset(v->ts_of);
    return ok;
}

int64_t vdb_id_at_ts(struct vdb *v, int64_t ts)
{
    int64_t lo = v->min_id, hi = v->max_id + 1;    /* answer in [lo, hi] */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2, gid, gts;
        if (!ts_at(v, mid, &gid, &gts))
            hi = mid;
        else if (gts >= ts)
            hi = mid;
        else
            lo = gid + 1;
    }
    return lo;
}

void evcut_init(struct evcut *c, sqlite3 *db, const char *table)
{
    memset(c, 0, sizeof *c);
    c->db = db;
    snprintf(c->table, sizeof c->table, "%s", table);
}

void evcut_free(struct evcut *c)
{
    sqlite3_finalize(c->probe);
    sqlite3_finalize(c->bounds);
    free(c->s);
    memset(c, 0, sizeof *c);
}

/* Remember a probe's answer: the row `id` (the first at or after the probed
 * id) has time ts.  Rows never change once written, so a sample stays true
 * for the life of the connection. */
static void evcut_note(struct evcut *c, int64_t id, int64_t ts)
{
    int lo = 0, hi = c->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (c->s[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->n && c->s[lo].id == id)
        return;
    if (c->n == c->cap) {
        if (c->cap >= EVCUT_MAX) {
            c->n = 0;          /* forget everything: it refills in a few probes */
            lo = 0;
        } else {
            int nc = c->cap ? c->cap * 2 : 256;
            struct evsample *ns = realloc(c->s, (size_t)nc * sizeof *ns);
            if (!ns)
                return;
            c->s = ns;
            c->cap = nc;
        }
    }
    memmove(c->s + lo + 1, c->s + lo, (size_t)(c->n - lo) * sizeof *c->s);
    c->s[lo] = (struct evsample){ id, ts };
    c->n++;
}

int64_t vdb_event_cut(struct evcut *c, int64_t ts)
{
    char sql[256];
    if (!c->probe) {
        snprintf(sql, sizeof sql, "SELECT id, ts FROM %s WHERE id >= ? ORDER BY id LIMIT 1", c->table);
        c->probe = prep(c->db, sql);
        /* two subqueries: SQLite's min/max shortcut (one rowid seek) applies
         * only to a lone min() or max(); min(id), max(id) together scan */
        snprintf(sql, sizeof sql, "SELECT (SELECT id FROM %s ORDER BY id LIMIT 1), "
                                  "(SELECT id FROM %s ORDER BY id DESC LIMIT 1)", c->table, c->table);
        c->bounds = prep(c->db, sql);
        if (!c->probe || !c->bounds) {
            sqlite3_finalize(c->probe);
            sqlite3_finalize(c->bounds);
            c->probe = c->bounds = NULL;
            return 0;
        }
    }
    int64_t lo = 0, hi = 0;
    sqlite3_reset(c->bounds);
    if (sqlite3_step(c->bounds) == SQLITE_ROW && sqlite3_column_type(c->bounds, 0) != SQLITE_NULL) {
        lo = sqlite3_column_int64(c->bounds, 0);
        hi = sqlite3_column_int64(c->bounds, 1) + 1;
    }
    sqlite3_reset(c->bounds);
    int64_t first = lo;
    /* Narrow [lo, hi) with what earlier searches saw: nearby cuts (the
     * cursor moving, the builder's next chunk) then cost a few probes on
     * pages just read, instead of ~25 probes across the table. */
    int a = 0, b = c->n;
    while (a < b) {
        int mid = (a + b) / 2;
        if (c->s[mid].ts <= ts)
            a = mid + 1;
        else
            b = mid;
    }
    /* samples are id-ordered and (nearly) ts-ordered: a-1 is the last with
     * ts <= target, a the first after it */
    int64_t nlo = a > 0 ? c->s[a - 1].id + 1 : lo, nhi = a < c->n ? c->s[a].id : hi;
    if (nlo >= lo && nhi <= hi && nlo <= nhi) {
        lo = nlo;
        hi = nhi;
    }
    /* find the first id with ts > target; the cut is the id before it */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        sqlite3_reset(c->probe);
        sqlite3_bind_int64(c->probe, 1, mid);
        if (sqlite3_step(c->probe) != SQLITE_ROW) {
            hi = mid;
            continue;
        }
        int64_t gid = sqlite3_column_int64(c->probe, 0), gts = sqlite3_column_int64(c->probe, 1);
        evcut_note(c, gid, gts);
        if (gts > ts)
            hi = mid;
        else
            lo = gid + 1;
    }
    sqlite3_reset(c->probe);
    return lo > first ? lo - 1 : 0;
}

int64_t vdb_same_nodeid(struct vdb *v, int dir, int64_t nodeid, int64_t ts, int64_t id)
{
    char *sql = v->idx_nodeid == 1
        ? sqlite3_mprintf("SELECT id FROM op WHERE nodeid = ?1 AND id %s ?3 AND (%s) ORDER BY id %s LIMIT 1",
                          dir > 0 ? ">" : "<", v->filter, dir > 0 ? "" : "DESC")
        : dir > 0
        ? sqlite3_mprintf("SELECT id FROM op WHERE nodeid = ?1 AND ts >= ?2 AND (ts > ?2 OR id > ?3) AND (%s) "
                          "ORDER BY ts, id LIMIT 1", v->filter)
        : sqlite3_mprintf("SELECT id FROM op WHERE nodeid = ?1 AND ts <= ?2 AND (ts < ?2 OR id < ?3) AND (%s) "
                          "ORDER BY ts DESC, id DESC LIMIT 1", v->filter);
    sqlite3_stmt *st = sql ? prep(v->db, sql) : NULL;
    sqlite3_free(sql);
    int64_t found = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, nodeid);
        sqlite3_bind_int64(st, 2, ts);
        sqlite3_bind_int64(st, 3, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            found = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return found;
}

int64_t vdb_id_of_unique(struct vdb *v, int64_t unique)
{
    sqlite3_stmt *st = prep(v->db, "SELECT id FROM request WHERE unique_id = ? AND opcode <> 41 ORDER BY id LIMIT 1");
    int64_t id = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, unique);
        if (sqlite3_step(st) == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return id;
}

int vdb_open_more(const struct vdb *v, sqlite3 **db, char *err, size_t errlen)
{
    return tracedb_open_session(v->path, v->session[0] ? v->session : NULL, db, NULL, err, errlen);
}
