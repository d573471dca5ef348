/* vdb.c — see vdb.h. */
#include "viewer/vdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

const char *const vdb_row_cols =
    "id, ts, unique_id, opcode, op, nodeid, path, name, name2, pid, "
    "(SELECT comm FROM process p WHERE p.id = op.process_id), fh, offset, size, flags, mode, "
    "reply_ts, latency_ns, errno, errno_name, entry_nodeid, reply_fh, bytes, outcome, "
    "(SELECT nlookup FROM request q WHERE q.id = op.id)";

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
}

static int progress_cb(void *arg)
{
    struct vdb *v = arg;
    if (v->deadline && now_ns() > v->deadline) {
        v->interrupted = true;
        return 1;
    }
    return 0;
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

int vdb_open(struct vdb *v, const char *path, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    snprintf(v->path, sizeof v->path, "%s", path);
    if (tracedb_open(path, &v->db, &v->info, err, errlen) != 0)
        return -1;
    /* The `op` view and its lookup tables are what the viewer reads; a
     * database that has a session table but lacks them cannot be shown. */
    sqlite3_stmt *probe = prep(v->db, "SELECT id, ts, opcode, op, latency_ns, errno_name FROM op LIMIT 0");
    if (!probe) {
        snprintf(err, errlen, "%s: not a usable fusetrace recording (%s)", path, sqlite3_errmsg(v->db));
        sqlite3_close(v->db);
        v->db = NULL;
        return -1;
    }
    sqlite3_finalize(probe);
    sqlite3_busy_timeout(v->db, 200);
    sqlite3_progress_handler(v->db, 2000, progress_cb, v);
    read_bounds(v);
    v->idx_nodeid = one_int(v->db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND "
                                   "tbl_name='request' AND sql LIKE '%(nodeid, ts)%'", 0) > 0 ||
                    one_int(v->db, "SELECT count(*) FROM sqlite_master WHERE name='request_nodeid'", 0) > 0;
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
    v->chunk = 65536;
    if (!v->ts_of || !v->by_id) {
        snprintf(err, errlen, "%s: not a usable fusetrace recording (%s)", path, sqlite3_errmsg(v->db));
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
    sqlite3_stmt *st = prep(v->db, "SELECT status, events_lost, incomplete_reason FROM session WHERE id = 1");
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
    char *fs = sqlite3_mprintf("SELECT %s FROM op WHERE id > ?1 AND id <= ?2 AND (%s) ORDER BY id LIMIT ?3",
                               vdb_row_cols, w);
    char *bs = sqlite3_mprintf("SELECT %s FROM op WHERE id < ?1 AND id >= ?2 AND (%s) ORDER BY id DESC LIMIT ?3",
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
    v->chunk = 65536;
    return 0;
}

/* Chunked scan.  Each statement covers a bounded id range so that a
 * sparse filter returns control after at most one chunk; the chunk adapts
 * so one statement takes roughly 5-20 ms. */
int vdb_scan(struct vdb *v, int dir, int64_t from, int want, int64_t deadline,
             struct oprow *out, int64_t *reached, bool *at_end)
{
    int got = 0;
    *at_end = false;
    *reached = from;
    int64_t pos = from;
    while (got < want) {
        if (dir > 0 && pos >= v->max_id) {
            *at_end = true;
            break;
        }
        if (dir < 0 && pos <= v->min_id) {
            *at_end = true;
            break;
        }
        int64_t lo, hi;
        sqlite3_stmt *st = dir > 0 ? v->fwd : v->back;
        if (dir > 0) {
            lo = pos;
            hi = pos + v->chunk > v->max_id ? v->max_id : pos + v->chunk;
        } else {
            lo = pos;
            hi = pos - v->chunk < v->min_id ? v->min_id : pos - v->chunk;
        }
        int64_t t0 = now_ns();
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
        sqlite3_bind_int(st, 3, want - got);
        int rc;
        int64_t last = lo;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            load_row(st, &out[got]);
            last = out[got].id;
            got++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            break;
        /* Filled: everything up to the last row is examined; else the chunk. */
        pos = got >= want ? last : hi;
        *reached = pos;
        int64_t el = now_ns() - t0;
        if (el < 5000000 && v->chunk < (1 << 22))
            v->chunk *= 2;
        else if (el > 20000000 && v->chunk > 4096)
            v->chunk /= 2;
        if (got < want && now_ns() >= deadline)
            break;
    }
    if (got < want && ((dir > 0 && *reached >= v->max_id) || (dir < 0 && *reached <= v->min_id)))
        *at_end = true;
    return got;
}

int vdb_find_begin(struct vdb *v, struct vdb_find *f, const char *pred, int dir, int64_t from,
                   char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    char *sql = dir > 0
        ? sqlite3_mprintf("SELECT id FROM op WHERE id > ?1 AND id <= ?2 AND (%s) AND (%s) ORDER BY id LIMIT 1",
                          v->filter, pred)
        : sqlite3_mprintf("SELECT id FROM op WHERE id < ?1 AND id >= ?2 AND (%s) AND (%s) ORDER BY id DESC LIMIT 1",
                          v->filter, pred);
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
    int64_t chunk = v->chunk;
    for (;;) {
        if ((f->dir > 0 && f->pos >= v->max_id) || (f->dir < 0 && f->pos <= v->min_id)) {
            f->done = true;
            return -1;
        }
        int64_t hi = f->dir > 0 ? (f->pos + chunk > v->max_id ? v->max_id : f->pos + chunk)
                                : (f->pos - chunk < v->min_id ? v->min_id : f->pos - chunk);
        int64_t t0 = now_ns();
        sqlite3_reset(f->st);
        sqlite3_bind_int64(f->st, 1, f->pos);
        sqlite3_bind_int64(f->st, 2, hi);
        int rc = sqlite3_step(f->st);
        if (rc == SQLITE_ROW) {
            *id = sqlite3_column_int64(f->st, 0);
            sqlite3_reset(f->st);
            f->pos = *id;
            return 1;
        }
        sqlite3_reset(f->st);
        if (rc != SQLITE_DONE) {
            f->done = true;
            return -1;
        }
        f->pos = hi;
        int64_t el = now_ns() - t0;
        if (el < 5000000 && chunk < (1 << 22))
            chunk *= 2;
        else if (el > 20000000 && chunk > 4096)
            chunk /= 2;
        if (now_ns() >= deadline)
            return 0;
    }
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

int64_t vdb_event_cut(sqlite3 *db, const char *table, int64_t ts)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id, ts FROM %s WHERE id >= ? ORDER BY id LIMIT 1", table);
    sqlite3_stmt *st = prep(db, sql);
    /* two subqueries: SQLite's min/max shortcut (one rowid seek) applies
     * only to a lone min() or max(); min(id), max(id) together scan */
    snprintf(sql, sizeof sql, "SELECT (SELECT id FROM %s ORDER BY id LIMIT 1), (SELECT id FROM %s ORDER BY id DESC LIMIT 1)",
             table, table);
    sqlite3_stmt *mm = prep(db, sql);
    if (!st || !mm) {
        sqlite3_finalize(st);
        sqlite3_finalize(mm);
        return 0;
    }
    int64_t lo = 0, hi = 0;
    if (sqlite3_step(mm) == SQLITE_ROW && sqlite3_column_type(mm, 0) != SQLITE_NULL) {
        lo = sqlite3_column_int64(mm, 0);
        hi = sqlite3_column_int64(mm, 1) + 1;
    }
    sqlite3_finalize(mm);
    /* find the first id with ts > target; the cut is the id before it */
    int64_t first = lo;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, mid);
        if (sqlite3_step(st) != SQLITE_ROW) {
            hi = mid;
            continue;
        }
        int64_t gid = sqlite3_column_int64(st, 0), gts = sqlite3_column_int64(st, 1);
        if (gts > ts)
            hi = mid;
        else
            lo = gid + 1;
    }
    sqlite3_finalize(st);
    return lo > first ? lo - 1 : 0;
}

int64_t vdb_same_nodeid(struct vdb *v, int dir, int64_t nodeid, int64_t ts, int64_t id)
{
    char *sql = dir > 0
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
