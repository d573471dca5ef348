/* rec_writer.c — see rec_writer.h.
 *
 * Merge order: every ring is in timestamp order (one producer each), so the
 * writer repeatedly takes records from the ring whose oldest record is the
 * oldest overall, as long as they are not newer than the next ring's head.
 * This keeps a reply after its request even when libfuse answers on another
 * thread, which matters because a reply can only be decoded with its
 * request's opcode.
 */
#include "trace/rec_writer.h"

#include <inttypes.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace/rec_event.h"
#include "trace/rec_map.h"
#include "trace/rec_process.h"
#include "trace/rec_ring.h"
#include "trace/rec_state.h"
#include "trace/recorder.h"
#include "trace/wire_decode.h"

/* In-flight requests beyond this are not remembered (their replies are then
 * stored undecoded): only a kernel that never answers could get there. */
#define INFLIGHT_MAX (1u << 22)
#define DRAIN_BUDGET 4096

struct writer {
    pthread_t th;
    _Atomic int stop;
    struct sink *sink;
    uint64_t start_mono;
    size_t capture;

    bool failed;
    char reason[256];

    struct wire_proto proto;
    struct rmap inflight;      /* unique -> opcode | size_query << 32 */
    struct rmap paths;         /* live nodeid -> malloc'd path */
    struct rmap calls;         /* call literal pointer -> call_name.id */
    int64_t next_call;
    struct proc_cache procs;
    bool timeouts_done;

    uint64_t pending;          /* events in the open transaction */
    uint64_t committed;        /* events durably stored */
    uint64_t sink_lost;        /* events lost to a database failure */
    uint64_t txn_start;
    uint64_t last_ts;
};

static int64_t rel(const struct writer *w, uint64_t ts)
{
    return (int64_t)(ts - w->start_mono);
}

/* ---- counters --------------------------------------------------------------- */

static void counters(const struct writer *w, struct sink_counters *c)
{
    memset(c, 0, sizeof *c);
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++) {
        struct rec_ring *r = &rec_rings[i];
        c->seen += atomic_load_explicit(&r->seen, memory_order_relaxed);
        c->lost += atomic_load_explicit(&r->lost, memory_order_relaxed);
        c->req_seen += atomic_load_explicit(&r->req_seen, memory_order_relaxed);
        c->rep_seen += atomic_load_explicit(&r->rep_seen, memory_order_relaxed);
    }
    c->seen += atomic_load(&rec_g.noring_seen);
    c->lost += atomic_load(&rec_g.noring_lost) + w->sink_lost;
    c->stored = w->committed + w->pending;
}

/* ---- failure ------------------------------------------------------------------ */

static void fail(struct writer *w, const char *what)
{
    if (w->failed)
        return;
    w->failed = true;
    int rc = sqlite3_extended_errcode(w->sink->db);
    snprintf(w->reason, sizeof w->reason, "database write failed while %s: %s",
             what, rc == SQLITE_OK ? "unknown error" : sqlite3_errmsg(w->sink->db));
    fprintf(stderr, "fusetrace: warning: %s; the filesystem keeps serving, "
                    "but from now on events are discarded and counted as lost\n",
            w->reason);
    sink_rollback(w->sink);
    w->sink_lost += w->pending;
    w->pending = 0;
}

static void commit(struct writer *w)
{
    struct sink_counters c;
    counters(w, &c);
    if (sink_commit(w->sink, &c) != SQLITE_OK) {
        fail(w, "committing");
        return;
    }
    w->committed += w->pending;
    w->pending = 0;
}

/* ---- JSON for rare fields ------------------------------------------------------ */

/* Keys are string literals from wire_decode.c and values integers, so no
 * escaping is ever needed. */
static size_t extra_json(const struct wire_extra *x, char *buf, size_t cap)
{
    if (x->n == 0)
        return 0;
    size_t o = 0;
    for (int i = 0; i < x->n && o < cap; i++) {
        int k = snprintf(buf + o, cap - o, "%s\"%s\":%" PRId64, i ? "," : "{",
                         x->kv[i].key, x->kv[i].val);
        if (k < 0)
            return 0;
        o += (size_t)k;
    }
    if (o + 2 > cap)
        return 0;
    buf[o++] = '}';
    buf[o] = 0;
    return o;
}

static void bind_extra(struct batch *b, const struct wire_extra *x)
{
    char json[WIRE_MAX_EXTRA * 48 + 4];
    size_t n = extra_json(x, json, sizeof json);
    if (n)
        batch_text(b, json, n);
    else
        batch_null(b);
}

/* ---- records ----------------------------------------------------------------- */

static int do_request(struct writer *w, const struct rec_hdr *h)
{
    const struct rec_wire *wr = (const void *)(h + 1);
    const uint8_t *msg = (const uint8_t *)(wr + 1);
    struct wire_request q;
    int rc;

    wire_decode_request(msg, wr->wire_len, &w->proto, &q);
    if (h->flags & REC_F_TRUNCATED)
        q.malformed = true;

    int64_t process_id = 0;
    if (q.ok && q.pid) {
        struct proc_new fresh;
        bool is_new;
        process_id = proc_lookup(&w->procs, q.pid, h->ts, &fresh, &is_new);
        if (is_new) {
            struct batch *p = &w->sink->b[T_PROCESS];
            batch_int(p, fresh.id);
            batch_int(p, fresh.pid);
            batch_opt(p, fresh.start_time >= 0, fresh.start_time);
            batch_int(p, rel(w, h->ts));
            batch_text(p, fresh.have_comm ? fresh.comm : NULL, strlen(fresh.comm));
            batch_text(p, fresh.have_cmdline ? fresh.cmdline : NULL, strlen(fresh.cmdline));
            if ((rc = batch_row(p)) != SQLITE_OK)
                return rc;
        }
    }
    if (q.ok && (q.opcode == FUSE_INIT) && (q.present & WF_INIT)) {
        rc = sink_init_kernel(w->sink, q.init_major, q.init_minor,
                              q.init_max_readahead, (int64_t)q.init_flags);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (q.ok && wire_opcode_has_reply(q.opcode) && w->inflight.n < INFLIGHT_MAX) {
        bool size_query = (q.opcode == FUSE_GETXATTR || q.opcode == FUSE_LISTXATTR)
                          && q.size == 0;
        rmap_put(&w->inflight, q.unique, q.opcode | ((uint64_t)size_query << 32));
    }

    struct batch *b = &w->sink->b[T_REQUEST];
    uint32_t p = q.present;
    batch_int(b, rel(w, h->ts));
    batch_int(b, (int64_t)q.unique);
    batch_int(b, q.opcode);
    batch_int(b, (int64_t)q.nodeid);
    batch_int(b, q.uid);
    batch_int(b, q.gid);
    batch_int(b, q.pid);
    batch_opt(b, process_id != 0, process_id);
    batch_int(b, h->tid);
    batch_int(b, h->orig_len);
    if (p & WF_NAME) batch_text(b, q.name, q.name_len); else batch_null(b);
    if (p & WF_NAME2) batch_text(b, q.name2, q.name2_len); else batch_null(b);
    batch_opt(b, p & WF_NODEID2, (int64_t)q.nodeid2);
    batch_opt(b, p & WF_FH, (int64_t)q.fh);
    batch_opt(b, p & WF_OFFSET, (int64_t)q.offset);
    batch_opt(b, p & WF_SIZE, (int64_t)q.size);
    batch_opt(b, p & WF_FLAGS, q.flags);
    batch_opt(b, p & WF_MODE, q.mode);
    batch_opt(b, p & WF_UMASK, q.umask);
    batch_opt(b, p & WF_LOCK, q.lock_type);
    batch_opt(b, p & WF_LOCK, (int64_t)q.lock_start);
    batch_opt(b, p & WF_LOCK, (int64_t)q.lock_end);
    batch_opt(b, p & WF_VALID, q.valid);
    batch_opt(b, p & WF_NLOOKUP, (int64_t)q.nlookup);
    batch_opt(b, p & WF_TARGET_UNIQUE, (int64_t)q.target_unique);
    if (h->flags & REC_F_TRUNCATED) {
        /* The message did not fit a ring record; say so with the rest. */
        if (q.extra.n < WIRE_MAX_EXTRA) {
            q.extra.kv[q.extra.n].key = "truncated";
            q.extra.kv[q.extra.n].val = h->orig_len;
            q.extra.n++;
        }
    }
    bind_extra(b, &q.extra);
    if (w->capture && (p & WF_DATA) && q.data_len && q.opcode != FUSE_SETXATTR)
        batch_blob(b, q.data, q.data_len < w->capture ? q.data_len : w->capture);
    else
        batch_null(b);
    if ((rc = batch_row(b)) != SQLITE_OK)
        return rc;

    if (q.ok && q.opcode == FUSE_FORGET) {
        struct batch *f = &w->sink->b[T_FORGET];
        batch_int(f, rel(w, h->ts));
        batch_int(f, (int64_t)q.unique);
        batch_int(f, (int64_t)q.nodeid);
        batch_int(f, (int64_t)q.nlookup);
        if ((rc = batch_row(f)) != SQLITE_OK)
            return rc;
    }
    if (q.ok && (p & WF_FORGETS)) {
        struct batch *f = &w->sink->b[T_FORGET];
        for (uint32_t i = 0; i < q.nforgets; i++) {
            uint64_t nodeid, nlookup;
            wire_forget_item(&q, i, &nodeid, &nlookup);
            batch_int(f, rel(w, h->ts));
            batch_int(f, (int64_t)q.unique);
            batch_int(f, (int64_t)nodeid);
            batch_int(f, (int64_t)nlookup);
            if ((rc = batch_row(f)) != SQLITE_OK)
                return rc;
        }
    }
    return SQLITE_OK;
}

static int do_notify(struct writer *w, const struct rec_hdr *h, const struct wire_reply *a)
{
    struct batch *b = &w->sink->b[T_NOTIFY];
    batch_int(b, rel(w, h->ts));
    batch_int(b, h->tid);
    batch_int(b, a->ok ? a->error : 0);
    batch_int(b, h->orig_len);
    batch_opt(b, a->ok, (int64_t)a->nodeid);
    batch_opt(b, a->present & WF_NODEID2, (int64_t)a->nodeid2);
    if (a->present & WF_NAME) batch_text(b, a->name, a->name_len); else batch_null(b);
    batch_opt(b, a->present & WF_OFFSET, (int64_t)a->offset);
    batch_opt(b, a->present & WF_SIZE, (int64_t)a->size);
    batch_opt(b, a->error == FUSE_NOTIFY_RETRIEVE, (int64_t)a->notify_unique);
    if (w->capture && a->data_len)
        batch_blob(b, a->data, a->data_len < w->capture ? a->data_len : w->capture);
    else
        batch_null(b);
    return batch_row(b);
}

static int do_reply(struct writer *w, const struct rec_hdr *h)
{
    const struct rec_wire *wr = (const void *)(h + 1);
    const uint8_t *msg = (const uint8_t *)(wr + 1);
    struct wire_req_info info = { .opcode = h->hint };
    struct wire_reply a;
    uint64_t v;
    int rc;

    /* Peek the unique to settle the opcode before decoding. */
    uint64_t unique = 0;
    if (wr->wire_len >= sizeof(struct fuse_out_header))
        memcpy(&unique, msg + offsetof(struct fuse_out_header, unique), sizeof unique);
    if (unique && rmap_del(&w->inflight, unique, &v)) {
        info.opcode = (uint32_t)v;
        info.size_query = (v >> 32) & 1;
    }
    if (!info.opcode && (unique & WIRE_INT_REQ_BIT))
        info.opcode = FUSE_INTERRUPT;

    wire_decode_reply(msg, wr->wire_len, &info, &w->proto, &a);
    if (!a.ok || a.notify)
        return do_notify(w, h, &a);

    if (info.opcode == FUSE_INIT && (a.present & WF_INIT)) {
        struct sink_init_reply ir = {
            .ts = rel(w, h->ts), .major = a.init_major, .minor = a.init_minor,
            .flags = (int64_t)a.init_flags, .max_readahead = a.init_max_readahead,
            .max_write = a.init_max_write, .max_background = a.init_max_background,
            .congestion_threshold = a.init_congestion_threshold,
            .time_gran = a.init_time_gran, .max_pages = a.init_max_pages,
        };
        if ((rc = sink_init_reply(w->sink, &ir)) != SQLITE_OK)
            return rc;
        w->proto.minor = a.init_minor;
        /* FUSE_SETXATTR_EXT (7.33) changes the SETXATTR argument size. */
        w->proto.setxattr_ext = a.init_minor >= 33 && (a.init_flags & FUSE_SETXATTR_EXT);
    }
    if (!w->timeouts_done && (a.present & WR_TIMEOUTS) && a.error == 0) {
        w->timeouts_done = true;
        if ((rc = sink_timeouts(w->sink, (int64_t)a.entry_valid_ns,
                                (int64_t)a.attr_valid_ns)) != SQLITE_OK)
            return rc;
    }
    if (h->flags & REC_F_TRUNCATED) {
        a.malformed = true;
        if (a.extra.n < WIRE_MAX_EXTRA) {
            a.extra.kv[a.extra.n].key = "truncated";
            a.extra.kv[a.extra.n].val = h->orig_len;
            a.extra.n++;
        }
    }

    struct batch *b = &w->sink->b[T_REPLY];
    uint32_t p = a.present;
    batch_int(b, (int64_t)a.unique);
    batch_int(b, rel(w, h->ts));
    batch_int(b, h->tid);
    batch_opt(b, info.opcode != 0, info.opcode);
    batch_int(b, -(int64_t)a.error);
    batch_int(b, h->orig_len);
    batch_opt(b, p & WR_ENTRY, (int64_t)a.nodeid);
    batch_opt(b, p & WR_ENTRY, (int64_t)a.generation);
    batch_opt(b, p & WR_ATTR, a.attr_mode);
    batch_opt(b, p & WR_ATTR, (int64_t)a.attr_size);
    batch_opt(b, p & WR_ATTR, (int64_t)a.attr_ino);
    batch_opt(b, p & WR_ATTR, a.attr_uid);
    batch_opt(b, p & WR_ATTR, a.attr_gid);
    batch_opt(b, p & WR_OPEN, (int64_t)a.fh);
    batch_opt(b, p & WR_OPEN, a.open_flags);
    batch_opt(b, p & WR_BYTES, (int64_t)a.bytes);
    batch_opt(b, p & WR_COUNT, (int64_t)a.count);
    if (p & WF_NAME) batch_text(b, a.name, a.name_len); else batch_null(b);
    bind_extra(b, &a.extra);
    if (w->capture && (p & WF_DATA) && a.data_len)
        batch_blob(b, a.data, a.data_len < w->capture ? a.data_len : w->capture);
    else
        batch_null(b);
    if ((rc = batch_row(b)) != SQLITE_OK)
        return rc;

    if ((p & WR_DIRENTS) && a.plus) {
        struct batch *d = &w->sink->b[T_DIRENT];
        size_t pos = 0;
        bool bad = false;
        struct wire_dirent de;
        while (wire_dirent_next(a.dirents, a.dirents_len, true, &pos, &de, &bad)) {
            if (!de.nodeid)
                continue;      /* not an inode reference (no lookup counted) */
            batch_int(d, (int64_t)a.unique);
            batch_int(d, (int64_t)de.nodeid);
            batch_text(d, de.name, de.name_len);
            if ((rc = batch_row(d)) != SQLITE_OK)
                return rc;
        }
    }
    return SQLITE_OK;
}

static char *join_path(const char *dir, const char *name, size_t name_len)
{
    size_t dl = strlen(dir);
    bool root = dl == 1 && dir[0] == '/';
    char *p = malloc(dl + name_len + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    size_t o = dl;
    if (!root)
        p[o++] = '/';
    memcpy(p + o, name, name_len);
    p[o + name_len] = 0;
    return p;
}

static int do_inode(struct writer *w, const struct rec_hdr *h)
{
    const struct rec_inode_rec *e = (const void *)(h + 1);
    const char *name = (const char *)(e + 1);
    const uint8_t *handle = (const uint8_t *)name + e->name_len;
    int kind = e->kind;
    int rc;

    struct batch *b = &w->sink->b[T_INODE_EVENT];
    bool ids = kind == REC_INODE_NEW || kind == REC_INODE_REUSE_DETECTED;
    bool fdk = kind == REC_INODE_FD_OPEN || kind == REC_INODE_FD_EVICT
            || kind == REC_INODE_FALLBACK;
    bool refk = kind == REC_INODE_REF || kind == REC_INODE_UNREF;
    batch_int(b, rel(w, h->ts));
    batch_int(b, (int64_t)h->unique);
    batch_int(b, h->tid);
    batch_int(b, kind);
    batch_int(b, e->cause);
    batch_int(b, (int64_t)e->nodeid);
    batch_opt(b, e->parent != 0, (int64_t)e->parent);
    if (e->has_name) batch_text(b, name, e->name_len); else batch_null(b);
    batch_opt(b, ids || e->dev, (int64_t)e->dev);
    batch_opt(b, ids || e->ino, (int64_t)e->ino);
    batch_opt(b, ids || e->mnt_id, (int64_t)e->mnt_id);
    batch_opt(b, refk || e->delta, e->delta);
    batch_int(b, (int64_t)e->nlookup);
    batch_opt(b, e->err != 0, e->err);
    batch_opt(b, fdk || e->fd > 0, e->fd);
    batch_opt(b, e->other_nodeid != 0, (int64_t)e->other_nodeid);
    if (e->handle_len) {
        batch_blob(b, handle, e->handle_len);
        batch_int(b, e->handle_type);
    } else {
        batch_null(b);
        batch_opt(b, kind == REC_INODE_HANDLE, e->handle_type);
    }
    if ((rc = batch_row(b)) != SQLITE_OK)
        return rc;

    if (kind == REC_INODE_NEW) {
        uint64_t v;
        char *path = NULL;
        if (e->has_name && rmap_get(&w->paths, e->parent, &v))
            path = join_path((const char *)(uintptr_t)v, name, e->name_len);
        else if (e->nodeid == FUSE_ROOT_ID)
            path = strdup("/");
        struct batch *in = &w->sink->b[T_INODE];
        batch_int(in, (int64_t)e->nodeid);
        batch_int(in, rel(w, h->ts));
        batch_opt(in, e->parent != 0, (int64_t)e->parent);
        if (e->has_name) batch_text(in, name, e->name_len); else batch_null(in);
        batch_text(in, path, path ? strlen(path) : 0);
        batch_int(in, (int64_t)e->dev);
        batch_int(in, (int64_t)e->ino);
        if ((rc = batch_row(in)) != SQLITE_OK) {
            free(path);
            return rc;
        }
        if (path) {
            if (rmap_get(&w->paths, e->nodeid, &v))
                free((void *)(uintptr_t)v);
            if (!rmap_put(&w->paths, e->nodeid, (uint64_t)(uintptr_t)path))
                free(path);
        }
    } else if (kind == REC_INODE_FREE && e->nodeid != FUSE_ROOT_ID) {
        uint64_t v;
        if (rmap_del(&w->paths, e->nodeid, &v))
            free((void *)(uintptr_t)v);
    }
    return SQLITE_OK;
}

static int do_fh(struct writer *w, const struct rec_hdr *h)
{
    const struct rec_fh_rec *e = (const void *)(h + 1);
    struct batch *b = &w->sink->b[T_FH];
    batch_int(b, rel(w, h->ts));
    batch_int(b, (int64_t)h->unique);
    batch_int(b, h->tid);
    batch_int(b, e->kind);
    batch_int(b, (int64_t)e->fh);
    batch_int(b, (int64_t)e->nodeid);
    batch_int(b, e->flags);
    batch_int(b, e->fd);
    batch_int(b, e->created);
    return batch_row(b);
}

static int do_backing(struct writer *w, const struct rec_hdr *h)
{
    const struct rec_backing_rec *e = (const void *)(h + 1);
    const char *name = (const char *)(e + 1);
    uint64_t id;
    int rc;

    if (!rmap_get(&w->calls, (uint64_t)(uintptr_t)e->call, &id)) {
        /* The pointer is a string literal in this process (recorder.h),
         * so the text is still there. */
        const char *text = e->call ? e->call : "?";
        id = (uint64_t)++w->next_call;
        struct batch *c = &w->sink->b[T_CALL];
        batch_int(c, (int64_t)id);
        batch_text(c, text, strnlen(text, 256));
        if ((rc = batch_row(c)) != SQLITE_OK)
            return rc;
        if (e->call)
            rmap_put(&w->calls, (uint64_t)(uintptr_t)e->call, id);
    }
    struct batch *b = &w->sink->b[T_BACKING];
    uint64_t start = e->start_ns ? e->start_ns : h->ts;
    batch_int(b, rel(w, start));
    batch_int(b, (int64_t)h->unique);
    batch_int(b, h->tid);
    batch_int(b, (int64_t)id);
    batch_opt(b, e->fd >= 0, e->fd);
    batch_int(b, e->arg);
    if (e->has_name) batch_text(b, name, e->name_len); else batch_null(b);
    batch_int(b, e->result);
    batch_int(b, e->err);
    batch_int(b, e->end_ns >= e->start_ns && e->start_ns ? (int64_t)(e->end_ns - e->start_ns) : 0);
    return batch_row(b);
}

static void process(struct writer *w, const struct rec_hdr *h)
{
    w->last_ts = h->ts;
    if (!w->sink || w->failed) {
        w->sink_lost++;
        return;
    }
    if (!w->sink->in_txn) {
        if (sink_begin(w->sink) != SQLITE_OK) {
            w->pending++;
            fail(w, "starting a transaction");
            return;
        }
        w->txn_start = rec_now_ns();
    }
    w->pending++;
    int rc;
    const char *what;
    switch (h->type) {
    case REC_T_REQUEST: rc = do_request(w, h); what = "storing a request"; break;
    case REC_T_REPLY:   rc = do_reply(w, h);   what = "storing a reply"; break;
    case REC_T_INODE:   rc = do_inode(w, h);   what = "storing an inode event"; break;
    case REC_T_FH:      rc = do_fh(w, h);      what = "storing an fh event"; break;
    case REC_T_BACKING: rc = do_backing(w, h); what = "storing a backing call"; break;
    default:            rc = SQLITE_OK;        what = ""; break;
    }
    if (rc != SQLITE_OK)
        fail(w, what);
}

/* ---- draining ------------------------------------------------------------------- */

static void log_loss(struct writer *w, struct rec_ring *r)
{
    uint64_t lost = atomic_load_explicit(&r->lost, memory_order_relaxed);
    if (lost == r->lost_logged)
        return;
    uint64_t delta = lost - r->lost_logged;
    r->lost_logged = lost;
    if (!w->sink || w->failed)
        return;
    if (!w->sink->in_txn) {
        if (sink_begin(w->sink) != SQLITE_OK) {
            fail(w, "starting a transaction");
            return;
        }
        w->txn_start = rec_now_ns();
    }
    struct batch *b = &w->sink->b[T_LOSS];
    batch_int(b, rel(w, w->last_ts ? w->last_ts : w->start_mono));
    batch_int(b, r->tid);
    batch_int(b, (int64_t)delta);
    if (batch_row(b) != SQLITE_OK)
        fail(w, "storing a loss record");
}

static bool ring_live(struct rec_ring *r)
{
    return atomic_load_explicit(&r->state, memory_order_acquire) != RING_UNUSED;
}

static const struct rec_hdr *peek(struct rec_ring *r, uint64_t tail)
{
    return (const struct rec_hdr *)(r->buf + (tail & (r->cap - 1)));
}

/* A record with an impossible size means memory corruption; skip whatever
 * the ring holds rather than walk off into it. */
static bool sane(const struct rec_ring *r, const struct rec_hdr *h, uint64_t left)
{
    return h->size >= sizeof *h && (h->size & 7) == 0 && h->size <= r->max_rec
        && h->size <= left;
}

static size_t drain(struct writer *w, size_t budget)
{
    size_t done = 0;
    while (done < budget) {
        int n = atomic_load(&rec_ring_count);
        int best = -1;
        uint64_t best_ts = UINT64_MAX, second_ts = UINT64_MAX;
        for (int i = 0; i < n; i++) {
            struct rec_ring *r = &rec_rings[i];
            if (!ring_live(r))
                continue;
            uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
            uint64_t hd = atomic_load_explicit(&r->head, memory_order_acquire);
            if (t == hd) {
                log_loss(w, r);
                continue;
            }
            uint64_t ts = peek(r, t)->ts;
            if (ts < best_ts) {
                second_ts = best_ts;
                best_ts = ts;
                best = i;
            } else if (ts < second_ts) {
                second_ts = ts;
            }
        }
        if (best < 0)
            break;
        struct rec_ring *r = &rec_rings[best];
        uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
        uint64_t hd = atomic_load_explicit(&r->head, memory_order_acquire);
        do {
            const struct rec_hdr *h = peek(r, t);
            if (!sane(r, h, hd - t)) {
                fprintf(stderr, "fusetrace: internal error: corrupt ring record "
                                "(thread %u); skipping %" PRIu64 " bytes\n",
                        r->tid, hd - t);
                t = hd;
                break;
            }
            process(w, h);
            t += h->size;
            done++;
        } while (t != hd && done < budget && peek(r, t)->ts <= second_ts);
        atomic_store_explicit(&r->tail, t, memory_order_release);
        log_loss(w, r);
    }
    return done;
}

/* Rings of exited threads become reusable once empty. */
static void reap(void)
{
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++) {
        struct rec_ring *r = &rec_rings[i];
        int dead = RING_DEAD;
        if (atomic_load(&r->state) == RING_DEAD
            && atomic_load(&r->tail) == atomic_load(&r->head))
            atomic_compare_exchange_strong(&r->state, &dead, RING_FREE);
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    for (;;) {
        size_t n = drain(w, DRAIN_BUDGET);
        if (w->sink && !w->failed && w->sink->in_txn) {
            uint64_t now = rec_now_ns();
            if (w->pending >= WRITER_COMMIT_ROWS || now - w->txn_start >= WRITER_COMMIT_NS)
                commit(w);
        }
        if (n)
            continue;
        reap();
        if (atomic_load(&w->stop)) {
            /* Producers are out (recorder_close waited for them): what is
             * in the rings now is everything. */
            while (drain(w, DRAIN_BUDGET))
                ;
            break;
        }
        struct timespec ts = { 0, 500 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

struct writer *writer_start(struct sink *sink, uint64_t start_mono, size_t capture,
                            char *err, size_t errlen)
{
    struct writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->sink = sink;
    w->start_mono = start_mono;
    w->capture = capture;
    proc_cache_init(&w->procs);
    /* Paths are built from the parent's path; the root is known. */
    char *root = strdup("/");
    if (!root || !rmap_put(&w->paths, FUSE_ROOT_ID, (uint64_t)(uintptr_t)root)) {
        free(root);
        rmap_free(&w->paths);
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = pthread_create(&w->th, NULL, writer_main, w);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the writer thread: %s", strerror(rc));
        free(root);
        rmap_free(&w->paths);
        free(w);
        return NULL;
    }
    return w;
}

void writer_stop(struct writer *w, struct writer_result *res)
{
    struct sink_counters c;
    char why[512] = "";

    memset(res, 0, sizeof *res);
    atomic_store(&w->stop, 1);
    pthread_join(w->th, NULL);

    if (w->sink && !w->failed && w->sink->in_txn)
        commit(w);
    counters(w, &c);
    uint64_t dropped = c.lost - w->sink_lost;
    if (!w->failed && dropped)
        snprintf(w->reason, sizeof w->reason,
                 "%" PRIu64 " events dropped (ring full in drop mode)", dropped);
    if (w->failed) {
        /* Say how much the failure cost, in the row and on stderr. */
        size_t len = strlen(w->reason);
        snprintf(w->reason + len, sizeof w->reason - len, "; %" PRIu64 " events lost", c.lost);
    }
    if (w->sink && !w->failed) {
        bool complete = c.lost == 0;
        if (sink_finish(w->sink, &c, complete, complete ? NULL : w->reason,
                        rel(w, rec_now_ns()), why, sizeof why) != SQLITE_OK) {
            w->failed = true;
            snprintf(w->reason, sizeof w->reason, "database write failed while %s", why);
            fprintf(stderr, "fusetrace: warning: %s\n", w->reason);
            sink_mark_incomplete(w->sink, &c, w->reason, rel(w, rec_now_ns()));
        }
    } else if (w->sink) {
        sink_mark_incomplete(w->sink, &c, w->reason, rel(w, rec_now_ns()));
    }
    if (w->sink)
        sink_close(w->sink);

    res->seen = c.seen;
    res->stored = c.stored;
    res->lost = c.lost;
    res->failed = w->failed;
    snprintf(res->reason, sizeof res->reason, "%s", w->reason);

    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&w->paths, &pos, &k, &v))
        free((void *)(uintptr_t)v);
    rmap_free(&w->paths);
    rmap_free(&w->inflight);
    rmap_free(&w->calls);
    proc_cache_free(&w->procs);
    free(w);
}
