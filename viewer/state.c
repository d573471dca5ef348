/* state.c — see state.h. */
#include "viewer/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracedb/session_select.h"
#include "tracedb/tracedb.h"
#include "viewer/vdb.h"

/* ---- open-addressing map (linear probing, backward-shift delete) ------- */

static size_t slot_of(int64_t key, size_t cap)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

static void emap_grow(struct emap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    struct ent *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        abort();               /* the live tables are small; no memory means no viewer */
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slot[i].used)
            continue;
        size_t j = slot_of(m->slot[i].key, ncap);
        while (ns[j].used)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slot[i];
    }
    free(m->slot);
    m->slot = ns;
    m->cap = ncap;
}

struct ent *emap_get(struct emap *m, int64_t key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slot[i].used)
            return NULL;
        if (m->slot[i].key == key)
            return &m->slot[i];
    }
}

struct ent *emap_put(struct emap *m, int64_t key)
{
    struct ent *e = emap_get(m, key);
    if (e)
        return e;
    if ((m->n + 1) * 4 > m->cap * 3)
        emap_grow(m);
    size_t i = slot_of(key, m->cap);
    while (m->slot[i].used)
        i = (i + 1) & (m->cap - 1);
    memset(&m->slot[i], 0, sizeof m->slot[i]);
    m->slot[i].used = 1;
    m->slot[i].key = key;
    m->n++;
    return &m->slot[i];
}

void emap_del(struct emap *m, int64_t key)
{
    struct ent *e = emap_get(m, key);
    if (!e)
        return;
    size_t i = (size_t)(e - m->slot);
    m->slot[i].used = 0;
    m->n--;
    /* shift back the rest of the cluster so lookups never stop early */
    for (size_t j = (i + 1) & (m->cap - 1); m->slot[j].used; j = (j + 1) & (m->cap - 1)) {
        size_t home = slot_of(m->slot[j].key, m->cap);
        bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m->slot[i] = m->slot[j];
            m->slot[j].used = 0;
            i = j;
        }
    }
}

void emap_clear(struct emap *m)
{
    if (m->slot)
        memset(m->slot, 0, m->cap * sizeof *m->slot);
    m->n = 0;
}

void emap_free(struct emap *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---- event application (shared by builder and UI) ----------------------- */

static void apply_inode(struct emap *m, int64_t id, int64_t uq, int kind, int64_t nodeid, bool has_nl,
                        int64_t nlookup, bool has_fd, int64_t fd, int io_mode, int64_t backing_id)
{
    struct ent *e;
    switch (kind) {
    case 0:  /* NEW */
    case 10: /* REVIVE: a forgotten nodeid back for the same file */
        e = emap_put(m, nodeid);
        e->a = has_nl ? nlookup : 1;
        e->c = id;
        e->d = -1;
        e->e = -1;
        break;
    case 1: case 2: /* REF, UNREF: the event carries nlookup after it */
        e = emap_put(m, nodeid);
        if (has_nl)
            e->a = nlookup;
        if (!e->c) {
            e->c = id;
            e->d = e->e = -1;
        }
        break;
    case 3: /* FREE */
        emap_del(m, nodeid);
        return;
    case 4: /* HANDLE */
        if ((e = emap_get(m, nodeid)))
            e->f = 1;
        break;
    case 5: /* FALLBACK: the entry pins an O_PATH fd */
        if ((e = emap_get(m, nodeid))) {
            e->f = 2;
            e->d = has_fd ? (int32_t)fd : -1;
        }
        break;
    case 6: /* FD_OPEN */
        if ((e = emap_get(m, nodeid)))
            e->e = has_fd ? (int32_t)fd : -1;
        break;
    case 7: /* FD_EVICT */
        if ((e = emap_get(m, nodeid)))
            e->e = -1;
        break;
    case 12: /* IO_MODE: the inode's I/O mode after it, and its backing id */
        if ((e = emap_get(m, nodeid))) {
            e->io = (uint8_t)io_mode;
            e->bid = io_mode == 3 ? (int32_t)backing_id : 0;
        }
        break;
    default: /* REUSE_DETECTED, STALE, EXPIRE, other I/O events: no change to the table itself */
        e = emap_get(m, nodeid);
        break;
    }
    if (e) {
        e->b = id;
        e->u = uq;
    }
}

static void apply_fh(struct emap *m, int64_t id, int64_t uq, int kind, int64_t fh, int64_t nodeid, int64_t flags,
                     int64_t fd, int64_t created)
{
    if (kind == 2 || kind == 4) {
        emap_del(m, fh);
        return;
    }
    struct ent *e = emap_put(m, fh);
    e->a = nodeid;
    e->b = id;
    e->c = flags;
    e->u = uq;
    e->d = (int32_t)fd;
    e->e = kind;
    e->f = created != 0;
}

static const char IE_SQL[] =
    "SELECT id, unique_id, kind, nodeid, nlookup, fd, io_mode, backing_id FROM inode_event "
    "WHERE id > ?1 AND id <= ?2 ORDER BY id";
static const char FE_SQL[] =
    "SELECT id, unique_id, kind, fh, nodeid, flags, fd, created FROM fh_event WHERE id > ?1 AND id <= ?2 ORDER BY id";

static int64_t replay_ie(sqlite3_stmt *st, struct emap *m, int64_t from, int64_t to)
{
    int64_t n = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while (sqlite3_step(st) == SQLITE_ROW) {
        apply_inode(m, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2),
                    sqlite3_column_int64(st, 3), sqlite3_column_type(st, 4) != SQLITE_NULL,
                    sqlite3_column_int64(st, 4), sqlite3_column_type(st, 5) != SQLITE_NULL,
                    sqlite3_column_int64(st, 5), sqlite3_column_int(st, 6), sqlite3_column_int64(st, 7));
        n++;
    }
    sqlite3_reset(st);
    return n;
}

static int64_t replay_fe(sqlite3_stmt *st, struct emap *m, int64_t from, int64_t to)
{
    int64_t n = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while (sqlite3_step(st) == SQLITE_ROW) {
        apply_fh(m, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2),
                 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
                 sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7));
        n++;
    }
    sqlite3_reset(st);
    return n;
}

static int op_slot(struct vstats *st, int opcode)
{
    int slot = opcode >= 0 && opcode < NOPS - 1 ? opcode : NOPS - 1;
    st->opcode_of[slot] = opcode;
    return slot;
}

static void bin_add(struct vstats *st, int64_t ts, int64_t lat, bool err, bool slow)
{
    int64_t i = (ts - st->t0) / st->bin_w;
    if (i < 0)
        i = 0;
    while (i >= NBINS) {
        /* following a growing session: halve the resolution */
        for (int k = 0; k < NBINS / 2; k++) {
            struct tbin *a = &st->bin[2 * k], *b = &st->bin[2 * k + 1], m;
            m.count = a->count + b->count;
            m.errors = a->errors + b->errors;
            m.slow = a->slow + b->slow;
            m.sum = a->sum + b->sum;
            m.max = a->max > b->max ? a->max : b->max;
            st->bin[k] = m;
        }
        memset(&st->bin[NBINS / 2], 0, sizeof st->bin[0] * (NBINS / 2));
        st->bin_w *= 2;
        i = (ts - st->t0) / st->bin_w;
    }
    struct tbin *b = &st->bin[i];
    b->count++;
    b->errors += err;
    b->slow += slow;
    if (lat >= 0) {
        b->sum += lat;
        if (lat > b->max)
            b->max = lat;
    }
}

/* ---- builder thread ------------------------------------------------------ */

static int write_all(int fd, const void *p, size_t n, int64_t off)
{
    const char *c = p;
    while (n) {
        ssize_t w = pwrite(fd, c, n, off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

static int snapshot(struct state_idx *s, struct emap *ino, struct emap *fh, int64_t ie, int64_t fe)
{
    struct snap sn = { .ie_id = ie, .fe_id = fe, .off = s->file_end, .n_ino = (int64_t)ino->n,
                       .n_fh = (int64_t)fh->n };
    size_t n = ino->n + fh->n, k = 0;
    struct ent *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf)
        return -1;
    for (size_t i = 0; i < ino->cap; i++)
        if (ino->slot[i].used)
            buf[k++] = ino->slot[i];
    for (size_t i = 0; i < fh->cap; i++)
        if (fh->slot[i].used)
            buf[k++] = fh->slot[i];
    int rc = write_all(s->fd, buf, n * sizeof *buf, s->file_end);
    free(buf);
    if (rc)
        return -1;
    s->file_end += (int64_t)(n * sizeof *buf);
    pthread_mutex_lock(&s->mu);
    if (s->nsnaps == s->capsnaps) {
        int nc = s->capsnaps ? s->capsnaps * 2 : 64;
        struct snap *ns = realloc(s->snaps, (size_t)nc * sizeof *ns);
        if (!ns) {
            pthread_mutex_unlock(&s->mu);
            return -1;
        }
        s->snaps = ns;
        s->capsnaps = nc;
    }
    s->snaps[s->nsnaps++] = sn;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int add_fcheck(struct state_idx *s, int64_t req_id, int64_t ts, const struct flight *v, int n)
{
    struct fcheck fc = { .req_id = req_id, .ts = ts, .n = n };
    if (n) {
        fc.v = malloc((size_t)n * sizeof *v);
        if (!fc.v)
            return -1;
        memcpy(fc.v, v, (size_t)n * sizeof *v);
    }
    pthread_mutex_lock(&s->mu);
    if (s->nfchecks == s->capfchecks) {
        int nc = s->capfchecks ? s->capfchecks * 2 : 256;
        struct fcheck *nf = realloc(s->fchecks, (size_t)nc * sizeof *nf);
        if (!nf) {
            pthread_mutex_unlock(&s->mu);
            free(fc.v);
            return -1;
        }
        s->fchecks = nf;
        s->capfchecks = nc;
    }
    s->fchecks[s->nfchecks++] = fc;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

#define MAX_FLIGHT 4096

/* The builder's last word: it stops, and the UI says why (state_idx_error)
 * instead of showing an index stuck short of 100 %. */
static void builder_fail(struct state_idx *s, const char *what, const char *detail)
{
    pthread_mutex_lock(&s->mu);
    snprintf(s->error, sizeof s->error, "%.120s%s%.120s", what, detail ? ": " : "", detail ? detail : "");
    pthread_mutex_unlock(&s->mu);
}

static void *builder(void *arg)
{
    struct state_idx *s = arg;
    pthread_setname_np(pthread_self(), "ft-view-index");
    sqlite3 *db = NULL;
    char err[600];
    struct emap ino = { 0 }, fh = { 0 };
    struct vstats *st = calloc(1, sizeof *st);
    struct flight *fl = calloc(MAX_FLIGHT * 2 + CHUNK_REQ, sizeof *fl);
    sqlite3_stmt *rq = NULL, *ie = NULL, *fe = NULL, *mx = NULL;
    struct evcut ie_cutter = { 0 }, fe_cutter = { 0 };
    static bool has_reply[4097];
    /* The builder reads the whole session; the UI reads a few pages per
     * key.  When the disk is the bottleneck (a cold page cache) the UI's
     * reads must not queue behind this scan: lowest best-effort I/O
     * priority for this thread (ioprio applies to the tid given).  Not the
     * idle class, which could starve the index on a busy disk; not a CPU
     * nice, which only slowed the index on a loaded machine (the UI thread
     * sleeps between keys, so the scheduler favours it anyway).  Best
     * effort; a failure is harmless. */
    syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, (int)syscall(SYS_gettid), (2 << 13) | 7);
    if (!st || !fl) {
        builder_fail(s, "out of memory", NULL);
        goto out;
    }
    if (tracedb_open_session(s->path, s->session[0] ? s->session : NULL, &db, NULL, err,
                             sizeof err) != 0) {
        builder_fail(s, err, NULL);
        goto out;
    }
    sqlite3_busy_timeout(db, 200);
    vdb_profile(db, "bld");
    evcut_init(&ie_cutter, db, "inode_event");
    evcut_init(&fe_cutter, db, "fh_event");
    for (int i = 0; i <= 4096; i++)
        has_reply[i] = true;
    sqlite3_stmt *hr;
    if (sqlite3_prepare_v2(db, "SELECT opcode, has_reply FROM opcode_name", -1, &hr, NULL) == SQLITE_OK) {
        while (sqlite3_step(hr) == SQLITE_ROW) {
            int oc = sqlite3_column_int(hr, 0);
            if (oc >= 0 && oc <= 4096)
                has_reply[oc] = sqlite3_column_int(hr, 1) != 0;
        }
        sqlite3_finalize(hr);
    }
    if (sqlite3_prepare_v2(db, "SELECT q.id, q.ts, q.opcode, r.ts, r.error, r.bytes, k.ts FROM request q LEFT JOIN reply r "
                               "ON r.unique_id = q.unique_id AND q.opcode <> 41 "
                               "LEFT JOIN kernel_send k ON k.unique_id = q.unique_id AND q.opcode <> 41 "
                               "WHERE q.id > ?1 AND q.id <= ?2 ORDER BY q.id", -1, &rq, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, IE_SQL, -1, &ie, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, FE_SQL, -1, &fe, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT (SELECT id FROM request ORDER BY id LIMIT 1), (SELECT id FROM request ORDER BY id DESC LIMIT 1), "
                               "(SELECT ts FROM request ORDER BY id LIMIT 1), "
                               "(SELECT ts FROM request ORDER BY id DESC LIMIT 1)",
                           -1, &mx, NULL) != SQLITE_OK) {
        builder_fail(s, "preparing the index queries", sqlite3_errmsg(db));
        goto out;
    }
    int64_t pos = -1, ie_done = 0, fe_done = 0, snap_ie = 0, snap_fe = 0;
    int nfl = 0, chunks_since_pub = 0;
    bool inited = false;
    while (!s->stop) {
        sqlite3_reset(mx);
        int64_t min_id = 0, max_id = 0, t_first = 0, t_last = 0;
        if (sqlite3_step(mx) == SQLITE_ROW && sqlite3_column_type(mx, 1) != SQLITE_NULL) {
            min_id = sqlite3_column_int64(mx, 0);
            max_id = sqlite3_column_int64(mx, 1);
            t_first = sqlite3_column_int64(mx, 2);
            t_last = sqlite3_column_int64(mx, 3);
        }
        sqlite3_reset(mx);
        if (!inited && max_id) {
            st->t0 = t_first;
            st->bin_w = (t_last - t_first) / NBINS + 1;
            pos = min_id - 1;
            inited = true;
        }
        if (!inited || pos >= max_id) {
            pthread_mutex_lock(&s->mu);
            s->stats = *st;
            s->max_req = max_id;
            if (!s->follow)
                s->done = true;
            pthread_mutex_unlock(&s->mu);
            chunks_since_pub = 0;
            usleep(s->follow ? 200000 : 250000);
            continue;
        }
        pthread_mutex_lock(&s->mu);
        s->done = false;
        pthread_mutex_unlock(&s->mu);
        int64_t hi = pos + CHUNK_REQ > max_id ? max_id : pos + CHUNK_REQ;
        /* requests: stats and in-flight tracking */
        sqlite3_reset(rq);
        sqlite3_bind_int64(rq, 1, pos);
        sqlite3_bind_int64(rq, 2, hi);
        int64_t chunk_ts = 0;
        int rc;
        while ((rc = sqlite3_step(rq)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(rq, 0), ts = sqlite3_column_int64(rq, 1);
            int opcode = sqlite3_column_int(rq, 2);
            bool replied = sqlite3_column_type(rq, 3) != SQLITE_NULL;
            int64_t rts = replied ? sqlite3_column_int64(rq, 3) : INT64_MAX;
            int64_t error = replied ? sqlite3_column_int64(rq, 4) : 0;
            bool answers = has_reply[opcode >= 0 && opcode <= 4096 ? opcode : 0];
            int slot = op_slot(st, opcode);
            st->total++;
            int64_t lat = replied ? rts - ts : -1;
            bool slow = replied && lat >= s->slow_ns;
            lat_stats_add(&st->op[slot], lat, error != 0,
                          (opcode == 15 || opcode == 16) ? sqlite3_column_int64(rq, 5) : 0);
            if (replied) {
                if (error)
                    st->errors++;
                st->slow += slow;
            } else if (!answers) {
                st->noreply++;
            }
            if (sqlite3_column_type(rq, 6) != SQLITE_NULL)
                lat_stats_add(&st->queue[slot], ts - sqlite3_column_int64(rq, 6), false, 0);
            bin_add(st, ts, lat, error != 0, slow);
            if (ts > chunk_ts)
                chunk_ts = ts;
            if (answers && nfl < MAX_FLIGHT * 2 + CHUNK_REQ)
                fl[nfl++] = (struct flight){ id, ts, rts };
        }
        /* A chunk read short would make every count after it wrong without
         * a word: stop and say so. */
        if (rc != SQLITE_DONE) {
            builder_fail(s, "reading the requests", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(rq);
        /* keep only what is still in flight at the chunk's end */
        int k = 0;
        for (int i = 0; i < nfl; i++)
            if (fl[i].reply_ts > chunk_ts)
                fl[k++] = fl[i];
        nfl = k;
        if (nfl > MAX_FLIGHT) {  /* a flood of unanswered requests: keep the newest */
            memmove(fl, fl + (nfl - MAX_FLIGHT), MAX_FLIGHT * sizeof *fl);
            nfl = MAX_FLIGHT;
        }
        /* semantic events up to the chunk's last request time */
        int64_t ie_cut = vdb_event_cut(&ie_cutter, chunk_ts);
        int64_t fe_cut = vdb_event_cut(&fe_cutter, chunk_ts);
        if (ie_cut > ie_done) {
            replay_ie(ie, &ino, ie_done, ie_cut);
            ie_done = ie_cut;
        }
        if (fe_cut > fe_done) {
            replay_fe(fe, &fh, fe_done, fe_cut);
            fe_done = fe_cut;
        }
        add_fcheck(s, hi, chunk_ts, fl, nfl);
        int64_t since = (ie_done - snap_ie) + (fe_done - snap_fe);
        int64_t live = (int64_t)(ino.n + fh.n);
        /* also at the end of the session, so the last screens (G) replay
         * little; a snapshot costs its live entries, hence since >= live */
        if (since >= live && (since >= SNAP_EVENTS || (hi >= max_id && since >= SNAP_EVENTS / 8))) {
            if (snapshot(s, &ino, &fh, ie_done, fe_done) != 0) {
                builder_fail(s, "cannot write a state snapshot", strerror(errno));
                goto out;
            }
            snap_ie = ie_done;
            snap_fe = fe_done;
        }
        pos = hi;
        pthread_mutex_lock(&s->mu);
        s->req_done = hi;
        s->ie_done = ie_done;
        s->fe_done = fe_done;
        s->max_req = max_id;
        if (++chunks_since_pub >= 8 || hi >= max_id) {
            s->stats = *st;
            chunks_since_pub = 0;
        }
        pthread_mutex_unlock(&s->mu);
    }
out:
    evcut_free(&ie_cutter);
    evcut_free(&fe_cutter);
    sqlite3_finalize(rq);
    sqlite3_finalize(ie);
    sqlite3_finalize(fe);
    sqlite3_finalize(mx);
    if (db)
        sqlite3_close(db);
    emap_free(&ino);
    emap_free(&fh);
    free(st);
    free(fl);
    pthread_mutex_lock(&s->mu);
    s->done = true;
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int state_idx_start(struct state_idx *s, const char *path, const char *session, int64_t slow_ns,
                    bool follow, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->path, sizeof s->path, "%s", path);
    snprintf(s->session, sizeof s->session, "%s", session ? session : "");
    s->slow_ns = slow_ns;
    s->follow = follow;
    const char *dir = getenv("TMPDIR");
    char tmpl[4200];
    snprintf(tmpl, sizeof tmpl, "%s/fusetrace-view.XXXXXX", dir && *dir ? dir : "/tmp");
    s->fd = mkstemp(tmpl);
    if (s->fd < 0) {
        snprintf(err, errlen, "cannot create the state index file %s: %s", tmpl, strerror(errno));
        return -1;
    }
    unlink(tmpl);              /* gone with the process, whatever happens */
    /* the empty state before the first event, so a seek near the start
     * never waits for the builder */
    s->snaps = calloc(64, sizeof *s->snaps);
    if (!s->snaps) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->capsnaps = 64;
    s->nsnaps = 1;
    if (pthread_create(&s->thread, NULL, builder, s) != 0) {
        snprintf(err, errlen, "cannot start the state index thread");
        return -1;
    }
    s->started = true;
    return 0;
}

void state_idx_stop(struct state_idx *s)
{
    if (s->started) {
        s->stop = true;
        pthread_join(s->thread, NULL);
        s->started = false;
    }
    for (int i = 0; i < s->nfchecks; i++)
        free(s->fchecks[i].v);
    free(s->fchecks);
    free(s->snaps);
    if (s->fd >= 0)
        close(s->fd);
    pthread_mutex_destroy(&s->mu);
}

int state_idx_permille(struct state_idx *s, int64_t min_id, int64_t max_id)
{
    pthread_mutex_lock(&s->mu);
    int64_t d = s->req_done;
    bool done = s->done && d >= max_id;
    pthread_mutex_unlock(&s->mu);
    if (done || max_id <= min_id)
        return 1000;
    int64_t p = (d - min_id + 1) * 1000 / (max_id - min_id + 1);
    return p < 0 ? 0 : p > 1000 ? 1000 : (int)p;
}

bool state_idx_error(struct state_idx *s, char *buf, size_t len)
{
    pthread_mutex_lock(&s->mu);
    bool failed = s->error[0] != '\0';
    if (failed)
        snprintf(buf, len, "%s", s->error);
    pthread_mutex_unlock(&s->mu);
    return failed;
}

void state_idx_stats(struct state_idx *s, struct vstats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

/* ---- UI side ------------------------------------------------------------- */

void work_init(struct work *w)
{
    memset(w, 0, sizeof *w);
}

void work_free(struct work *w)
{
    emap_free(&w->ino);
    emap_free(&w->fh);
    sqlite3_finalize(w->ie_scan);
    sqlite3_finalize(w->fe_scan);
    free(w->inflight);
    memset(w, 0, sizeof *w);
}

static int load_snap(struct state_idx *s, struct work *w, const struct snap *sn)
{
    size_t n = (size_t)(sn->n_ino + sn->n_fh);
    struct ent *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf)
        return -1;
    size_t want = n * sizeof *buf, got = 0;
    while (got < want) {
        ssize_t r = pread(s->fd, (char *)buf + got, want - got, sn->off + (int64_t)got);
        if (r <= 0) {
            free(buf);
            return -1;
        }
        got += (size_t)r;
    }
    emap_clear(&w->ino);
    emap_clear(&w->fh);
    for (size_t i = 0; i < n; i++) {
        struct ent *e = emap_put(i < (size_t)sn->n_ino ? &w->ino : &w->fh, buf[i].key);
        *e = buf[i];
    }
    free(buf);
    w->ie_pos = sn->ie_id;
    w->fe_pos = sn->fe_id;
    w->valid = true;
    return 0;
}

/* Cut point of a table for the cursor: the last event at or before ts,
 * extended over the next few events the cursor's own request caused (they
 * follow its arrival), so the state shown includes the selected request's
 * effects. */
static int64_t cut_for(struct evcut *c, int64_t ts, int64_t unique)
{
    int64_t cut = vdb_event_cut(c, ts);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT id, unique_id FROM %s WHERE id > ? ORDER BY id LIMIT 64", c->table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return cut;
    /* no event before ts: from the session's first key (vdb_session_base;
     * the cursor's unique_id carries its session's offset), not from 0 */
    sqlite3_bind_int64(st, 1, cut ? cut : vdb_session_base(unique));
    int64_t ext = cut;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (sqlite3_column_int64(st, 1) == unique)
            ext = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ext;
}

bool state_seek(struct state_idx *s, struct work *w, struct vdb *v, int64_t id, int64_t ts, int64_t unique)
{
    sqlite3 *db = v->db;
    const bool *has_reply = v->has_reply;
    w->cursor_id = id;
    w->cursor_ts = ts;
    w->cursor_unique = unique;
    w->replayed = 0;
    if (!w->ie_scan && sqlite3_prepare_v2(db, IE_SQL, -1, &w->ie_scan, NULL) != SQLITE_OK)
        return w->ready = false;
    if (!w->fe_scan && sqlite3_prepare_v2(db, FE_SQL, -1, &w->fe_scan, NULL) != SQLITE_OK)
        return w->ready = false;
    /* Not indexed that far yet: say so without touching the database (the
     * main loop retries this on every idle tick until the builder is there). */
    pthread_mutex_lock(&s->mu);
    bool reached = s->done || s->req_done + 2 * CHUNK_REQ >= id;
    pthread_mutex_unlock(&s->mu);
    if (!reached)
        return w->ready = false;
    int64_t ie_cut = cut_for(&v->cut[EV_INODE], ts, unique);
    int64_t fe_cut = cut_for(&v->cut[EV_FH], ts, unique);

    pthread_mutex_lock(&s->mu);
    int best = -1;
    for (int lo = 0, hi = s->nsnaps - 1; lo <= hi;) {
        int mid = (lo + hi) / 2;
        if (s->snaps[mid].ie_id <= ie_cut && s->snaps[mid].fe_id <= fe_cut) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    struct snap sn = best >= 0 ? s->snaps[best] : (struct snap){ 0 };
    bool builder_done = s->done;
    /* in-flight checkpoint: the last one strictly before the cursor */
    int fci = -1;
    for (int lo = 0, hi = s->nfchecks - 1; lo <= hi;) {
        int mid = (lo + hi) / 2;
        if (s->fchecks[mid].req_id < id) {
            fci = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    int64_t fc_req = fci >= 0 ? s->fchecks[fci].req_id : 0;
    int nbase = 0;
    if (fci >= 0) {
        struct fcheck *fc = &s->fchecks[fci];
        if (w->capinflight < fc->n + CHUNK_REQ * 2) {
            int nc = fc->n + CHUNK_REQ * 2;
            struct flight *nf = realloc(w->inflight, (size_t)nc * sizeof *nf);
            if (nf) {
                w->inflight = nf;
                w->capinflight = nc;
            }
        }
        for (int i = 0; i < fc->n && nbase < w->capinflight; i++)
            if (fc->v[i].reply_ts > ts && fc->v[i].ts <= ts)
                w->inflight[nbase++] = fc->v[i];
    }
    pthread_mutex_unlock(&s->mu);

    int64_t cost_snap = (ie_cut - sn.ie_id) + (fe_cut - sn.fe_id);
    bool can_walk = w->valid && w->ie_pos <= ie_cut && w->fe_pos <= fe_cut;
    int64_t cost_walk = can_walk ? (ie_cut - w->ie_pos) + (fe_cut - w->fe_pos) : INT64_MAX;
    int64_t cost = cost_walk < cost_snap ? cost_walk : cost_snap;
    /* in flight needs a checkpoint within two chunks of the cursor */
    bool fc_near = id - fc_req <= 2 * CHUNK_REQ || builder_done;
    if (cost > 4 * SNAP_EVENTS + 2 * (sn.n_ino + sn.n_fh) || !fc_near) {
        w->ready = false;
        return false;
    }
    if (cost_walk > cost_snap) {
        if (load_snap(s, w, &sn) != 0) {
            w->ready = false;
            return false;
        }
    }
    if (ie_cut > w->ie_pos)
        w->replayed += replay_ie(w->ie_scan, &w->ino, w->ie_pos, ie_cut);
    if (fe_cut > w->fe_pos)
        w->replayed += replay_fe(w->fe_scan, &w->fh, w->fe_pos, fe_cut);
    w->ie_pos = ie_cut;
    w->fe_pos = fe_cut;

    /* requests after the checkpoint up to the cursor */
    w->ninflight = nbase;
    if (!w->capinflight) {
        w->inflight = malloc(CHUNK_REQ * 2 * sizeof *w->inflight);
        w->capinflight = w->inflight ? CHUNK_REQ * 2 : 0;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT q.id, q.ts, q.opcode, r.ts FROM request q LEFT JOIN reply r "
                               "ON r.unique_id = q.unique_id AND q.opcode <> 41 "
                               "WHERE q.id > ?1 AND q.id <= ?2 ORDER BY q.id", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, fc_req > id - 2 * CHUNK_REQ ? fc_req : id - 2 * CHUNK_REQ);
        sqlite3_bind_int64(st, 2, id);
        while (sqlite3_step(st) == SQLITE_ROW && w->ninflight < w->capinflight) {
            int64_t qid = sqlite3_column_int64(st, 0), qts = sqlite3_column_int64(st, 1);
            int oc = sqlite3_column_int(st, 2);
            bool replied = sqlite3_column_type(st, 3) != SQLITE_NULL;
            int64_t rts = replied ? sqlite3_column_int64(st, 3) : INT64_MAX;
            if (!has_reply[oc >= 0 && oc <= 4096 ? oc : 0])
                continue;
            if (qts <= ts && rts > ts)
                w->inflight[w->ninflight++] = (struct flight){ qid, qts, rts };
        }
        sqlite3_finalize(st);
    }
    w->ready = true;
    return true;
}
