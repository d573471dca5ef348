/* replay_load.c — the recording as replay needs it (see replay.h). */
#include "replay/replay.h"

#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text_escape.h"
#include "tracedb/tracedb.h"

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static bool col_opt(sqlite3_stmt *st, int i, int64_t *out)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return false;
    *out = sqlite3_column_int64(st, i);
    return true;
}

static bool has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    bool yes = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        yes = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return yes;
}

static const char REQ_SQL[] =
    "SELECT q.id, q.ts, q.unique_id, q.opcode, q.nodeid, q.uid, q.gid, q.name, q.name2, "
    "q.nodeid2, q.fh, q.offset, q.size, q.flags, q.mode, q.valid, q.extra, q.data, "
    "r.ts, r.error, r.nodeid, r.attr_mode, r.attr_size, r.fh, r.bytes, r.count, r.name, "
    "r.unique_id IS NOT NULL, q.lock_type, q.lock_start, q.lock_end, t.tid, q.umask "
    "FROM request q LEFT JOIN reply r ON r.unique_id = q.unique_id "
    "LEFT JOIN thread t ON t.id = q.thread ORDER BY q.id";

static int load_requests(sqlite3 *db, struct rp_recording *rec, struct rmap *by_unique)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, REQ_SQL, -1, &st, NULL) != SQLITE_OK)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rec->nreqs == cap) {
            cap = cap ? 2 * cap : 4096;
            struct rp_req *n = realloc(rec->reqs, cap * sizeof *n);
            if (!n) {
                sqlite3_finalize(st);
                return -1;
            }
            rec->reqs = n;
        }
        struct rp_req *q = &rec->reqs[rec->nreqs];
        memset(q, 0, sizeof *q);
        int64_t v;
        q->id = sqlite3_column_int64(st, 0);
        q->ts = sqlite3_column_int64(st, 1);
        q->unique = (uint64_t)sqlite3_column_int64(st, 2);
        q->opcode = (uint32_t)sqlite3_column_int64(st, 3);
        q->nodeid = (uint64_t)sqlite3_column_int64(st, 4);
        q->uid = (uint32_t)sqlite3_column_int64(st, 5);
        q->gid = (uint32_t)sqlite3_column_int64(st, 6);
        q->name = col_text(st, 7);
        q->name2 = col_text(st, 8);
        if ((q->has_nodeid2 = col_opt(st, 9, &v)))
            q->nodeid2 = (uint64_t)v;
        if ((q->has_fh = col_opt(st, 10, &v)))
            q->fh = (uint64_t)v;
        q->has_offset = col_opt(st, 11, &q->offset);
        q->has_size = col_opt(st, 12, &q->size);
        q->has_flags = col_opt(st, 13, &q->flags);
        q->has_mode = col_opt(st, 14, &q->mode);
        q->has_valid = col_opt(st, 15, &q->valid);
        q->extra = col_text(st, 16);
        int dl = sqlite3_column_bytes(st, 17);
        const void *d = sqlite3_column_blob(st, 17);
        if (d && dl > 0 && (q->data = malloc((size_t)dl))) {
            memcpy(q->data, d, (size_t)dl);
            q->data_len = (size_t)dl;
        }
        q->has_reply = sqlite3_column_int(st, 27) != 0;
        q->reply_ts = q->has_reply ? sqlite3_column_int64(st, 18) : q->ts;
        q->error = q->has_reply ? (int)sqlite3_column_int64(st, 19) : 0;
        if ((q->r_entry = col_opt(st, 20, &v)))
            q->r_nodeid = (uint64_t)v;
        if ((q->r_attr = col_opt(st, 21, &v)))
            q->r_mode = (uint32_t)v;
        col_opt(st, 22, &q->r_size);
        if ((q->r_open = col_opt(st, 23, &v)))
            q->r_fh = (uint64_t)v;
        q->r_has_bytes = col_opt(st, 24, &q->r_bytes);
        q->r_has_count = col_opt(st, 25, &q->r_count);
        q->r_name = col_text(st, 26);
        col_opt(st, 28, &q->lk_type);
        col_opt(st, 29, &q->lk_start);
        col_opt(st, 30, &q->lk_end);
        q->tid = (uint32_t)sqlite3_column_int64(st, 31);
        if ((q->has_umask = col_opt(st, 32, &v)))
            q->umask = (uint32_t)v;
        if (q->unique)
            rmap_put(by_unique, q->unique, rec->nreqs + 1);
        if (rec->nreqs == 0 || q->ts < rec->first_ts)
            rec->first_ts = q->ts;
        if (q->reply_ts > rec->last_ts)
            rec->last_ts = q->reply_ts;
        rec->nreqs++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static struct rp_req *by_u(struct rp_recording *rec, const struct rmap *by_unique, int64_t u)
{
    uint64_t i;
    if (!rmap_get(by_unique, (uint64_t)u, &i))
        return NULL;
    return &rec->reqs[i - 1];
}

static int load_fh_events(sqlite3 *db, struct rp_recording *rec, const struct rmap *by_unique)
{
    sqlite3_stmt *st;
    /* kinds OPEN 0, CREATE 1, OPENDIR 3: the flags of the backing open */
    if (sqlite3_prepare_v2(db, "SELECT unique_id, flags, created FROM fh_event "
                           "WHERE kind IN (0, 1, 3) ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct rp_req *q = by_u(rec, by_unique, sqlite3_column_int64(st, 0));
        if (!q || q->has_fh_event)
            continue;
        q->has_fh_event = true;
        q->fh_flags = (int)sqlite3_column_int64(st, 1);
        q->created = sqlite3_column_int(st, 2) != 0;
    }
    sqlite3_finalize(st);
    return 0;
}

static int load_forgets(sqlite3 *db, struct rp_recording *rec, const struct rmap *by_unique)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT unique_id, nodeid, nlookup FROM forget ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct rp_req *q = by_u(rec, by_unique, sqlite3_column_int64(st, 0));
        if (!q)
            continue;
        struct rp_forget *n = realloc(q->forgets, (q->nforgets + 1) * sizeof *n);
        if (!n)
            break;
        q->forgets = n;
        n[q->nforgets++] = (struct rp_forget){ (uint64_t)sqlite3_column_int64(st, 1),
                                               (uint64_t)sqlite3_column_int64(st, 2) };
    }
    sqlite3_finalize(st);
    return 0;
}

static int load_dirents(sqlite3 *db, struct rp_recording *rec, const struct rmap *by_unique)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT unique_id, name, type, nodeid, ino FROM dirent ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct rp_req *q = by_u(rec, by_unique, sqlite3_column_int64(st, 0));
        if (!q)
            continue;
        if ((q->ndirents & (q->ndirents - 1)) == 0) {   /* grow at powers of two */
            size_t cap = q->ndirents ? 2 * q->ndirents : 1;
            struct rp_dirent *n = realloc(q->dirents, cap * sizeof *n);
            if (!n)
                break;
            q->dirents = n;
        }
        struct rp_dirent *d = &q->dirents[q->ndirents++];
        d->name = col_text(st, 1);
        d->type = (uint32_t)sqlite3_column_int64(st, 2);
        d->nodeid = (uint64_t)sqlite3_column_int64(st, 3);
        d->ino = (uint64_t)sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    return 0;
}

static int load_manifest(sqlite3 *db, struct rp_recording *rec)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT ts, unique_id, nodeid, parent, name, mode, uid, gid, size, "
                           "atime_ns, mtime_ns, rdev, nlink, dev, ino, link_target, data "
                           "FROM manifest ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (rec->nman == cap) {
            cap = cap ? 2 * cap : 256;
            struct rp_manifest *n = realloc(rec->man, cap * sizeof *n);
            if (!n)
                break;
            rec->man = n;
        }
        struct rp_manifest *m = &rec->man[rec->nman++];
        memset(m, 0, sizeof *m);
        m->ts = sqlite3_column_int64(st, 0);
        m->unique = (uint64_t)sqlite3_column_int64(st, 1);
        m->nodeid = (uint64_t)sqlite3_column_int64(st, 2);
        m->parent = (uint64_t)sqlite3_column_int64(st, 3);
        m->name = col_text(st, 4);
        m->mode = (uint32_t)sqlite3_column_int64(st, 5);
        m->uid = (uint32_t)sqlite3_column_int64(st, 6);
        m->gid = (uint32_t)sqlite3_column_int64(st, 7);
        m->size = sqlite3_column_int64(st, 8);
        m->atime_ns = sqlite3_column_int64(st, 9);
        m->mtime_ns = sqlite3_column_int64(st, 10);
        m->rdev = (uint64_t)sqlite3_column_int64(st, 11);
        m->nlink = (uint64_t)sqlite3_column_int64(st, 12);
        m->dev = (uint64_t)sqlite3_column_int64(st, 13);
        m->ino = (uint64_t)sqlite3_column_int64(st, 14);
        m->link_target = col_text(st, 15);
        int dl = sqlite3_column_bytes(st, 16);
        const void *d = sqlite3_column_blob(st, 16);
        if (d && dl > 0 && (m->data = malloc((size_t)dl))) {
            memcpy(m->data, d, (size_t)dl);
            m->data_len = (size_t)dl;
        }
    }
    sqlite3_finalize(st);
    return 0;
}

static int load_inodes(sqlite3 *db, struct rp_recording *rec)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT nodeid, dev, ino, path FROM inode", -1, &st, NULL)
        != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        uint64_t nodeid = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            rmap_put(&rec->node_dev, nodeid, (uint64_t)sqlite3_column_int64(st, 1));
            rmap_put(&rec->node_ino, nodeid, (uint64_t)sqlite3_column_int64(st, 2));
        }
        char *p = col_text(st, 3);
        if (p && !rmap_put(&rec->node_path, nodeid, (uint64_t)(uintptr_t)p))
            free(p);
    }
    sqlite3_finalize(st);
    return 0;
}

int rp_load(const char *db_path, struct rp_recording *rec, char *err, size_t errlen)
{
    memset(rec, 0, sizeof *rec);
    sqlite3 *db = NULL;
    struct tracedb_info info;
    if (tracedb_open(db_path, &db, &info, err, errlen) != 0)
        return -1;
    sqlite3_busy_timeout(db, 5000);
    char shown[512];
    tx_escape_buf(shown, sizeof shown, db_path, strlen(db_path));
    if (info.sessions > 1) {
        /* one tree, one clock: the sessions of a fleet database are
         * separate filesystems; replay takes one host's recording (its
         * own --db, or a file of `import --relay RELAY_DIR OUTDIR`) */
        snprintf(err, errlen, "%s: a fleet database of %lld sessions: replay takes one "
                 "recording (one host's session)", shown, (long long)info.sessions);
        sqlite3_close(db);
        return -1;
    }
    if (!has_table(db, "manifest")) {
        snprintf(err, errlen, "%s: the recording has no manifest table (recorded by an older "
                 "fusetrace): it cannot be replayed", shown);
        sqlite3_close(db);
        return -1;
    }
    if (info.status != TRACEDB_COMPLETE)
        tx_stderr("replay", "warning: %s is %s (%s); replaying what it holds", db_path,
                  tracedb_status_name(info.status), info.reason);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(init_flags, 0), capture_data FROM session",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            rec->writeback = (sqlite3_column_int64(st, 0) & FUSE_WRITEBACK_CACHE) != 0;
            rec->capture_data = (size_t)sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    struct rmap by_unique = { 0 };
    int r = load_requests(db, rec, &by_unique);
    if (r == 0)
        r = load_fh_events(db, rec, &by_unique);
    if (r == 0)
        r = load_forgets(db, rec, &by_unique);
    if (r == 0)
        r = load_dirents(db, rec, &by_unique);
    if (r == 0)
        r = load_manifest(db, rec);
    if (r == 0)
        r = load_inodes(db, rec);
    rmap_free(&by_unique);
    if (r != 0) {
        snprintf(err, errlen, "%s: reading the recording: %s", shown, sqlite3_errmsg(db));
        sqlite3_close(db);
        rp_free(rec);
        return -1;
    }
    sqlite3_close(db);
    return 0;
}

const char *rp_node_path(const struct rp_recording *rec, uint64_t nodeid)
{
    uint64_t v;
    return rmap_get(&rec->node_path, nodeid, &v) ? (const char *)(uintptr_t)v : "?";
}

void rp_free(struct rp_recording *rec)
{
    for (size_t i = 0; i < rec->nreqs; i++) {
        struct rp_req *q = &rec->reqs[i];
        free(q->name);
        free(q->name2);
        free(q->extra);
        free(q->data);
        free(q->r_name);
        free(q->forgets);
        for (size_t k = 0; k < q->ndirents; k++)
            free(q->dirents[k].name);
        free(q->dirents);
    }
    free(rec->reqs);
    for (size_t i = 0; i < rec->nman; i++) {
        free(rec->man[i].name);
        free(rec->man[i].link_target);
        free(rec->man[i].data);
    }
    free(rec->man);
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&rec->node_path, &pos, &k, &v))
        free((void *)(uintptr_t)v);
    rmap_free(&rec->node_path);
    rmap_free(&rec->node_dev);
    rmap_free(&rec->node_ino);
    memset(rec, 0, sizeof *rec);
}
