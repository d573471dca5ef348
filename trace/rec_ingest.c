/* rec_ingest.c — see rec_ingest.h.  Column order is the sink's (see
 * rec_sqlite.c). */
#include "trace/rec_ingest.h"

#include <inttypes.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/u64map.h"
#include "trace/rec_paths.h"
#include "trace/rec_process.h"
#include "trace/recorder.h"
#include "wire/tap_edit.h"
#include "wire/wire_decode.h"

/* renameat2's RENAME_EXCHANGE (<linux/fs.h>, which clashes with the
 * headers above): the two names swap their nodes. */
#define RENAME_EXCHANGE_FLAG (1u << 1)

/* In-flight requests beyond this are not remembered (their replies are then
 * stored undecoded): only a kernel that never answers could get there. */
#define INFLIGHT_MAX (1u << 22)

struct ingest {
    struct sink *sink;
    uint64_t start_mono;
    size_t capture;
    struct wire_proto proto;
    struct rmap inflight;      /* unique -> opcode | size_query << 32 */
    struct paths *paths;       /* every node's current path (rec_paths.h) */
    struct rmap naming;        /* unique -> struct naming *, until its reply */
    struct rmap calls;         /* call literal pointer -> call_name.id */
    int64_t next_call;
    /* call_name.id - 1 -> its text.  The same name can come from several
     * pointers: identical literals in different translation units are only
     * merged when the compiler optimises, and call_name.name is UNIQUE. */
    const char *call_text[256];
    struct pmodel procs;       /* the processes behind requests (rec_process.h) */
    struct rmap threads;       /* tid + 1 -> thread.id */
    int64_t next_thread;
    uint32_t last_tid;         /* one-entry cache in front of `threads` */
    int64_t last_thread;
    bool timeouts_done;
    /* batch API */
    uint64_t pending;
    struct sink_counters cnt;
};

static int64_t rel(const struct ingest *g, uint64_t ts)
{
    return (int64_t)(ts - g->start_mono);
}

static int store_process(void *ctx, const struct pimage *img);

/* A request whose successful reply changes what a node is called (entry
 * replies, renames, unlinks, READDIRPLUS), kept until that reply. */
struct naming {
    uint32_t opcode, flags;
    uint64_t nodeid, nodeid2;
    uint32_t len, len2;
    char names[];              /* name, NUL, name2, NUL */
};

static bool names_a_node(uint32_t opcode)
{
    switch (opcode) {
    case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR: case FUSE_SYMLINK: case FUSE_LINK:
    case FUSE_CREATE: case FUSE_RENAME: case FUSE_RENAME2: case FUSE_UNLINK: case FUSE_RMDIR:
    case FUSE_READDIRPLUS:
        return true;
    default:
        return false;
    }
}

/* Requests whose `name` is a directory entry (not an attribute name). */
static bool names_an_entry(uint32_t opcode)
{
    return names_a_node(opcode) && opcode != FUSE_READDIRPLUS;
}

static int path_row(void *ctx, int64_t id, int64_t dir, const char *text, size_t len)
{
    struct ingest *g = ctx;
    struct batch *b = &g->sink->b[T_PATH];
    batch_int(b, id);
    batch_opt(b, dir != 0, dir);
    batch_text(b, text, len);
    return batch_row(b);
}

struct ingest *ingest_new(struct sink *sink, uint64_t start_mono, size_t capture)
{
    struct ingest *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->sink = sink;
    g->start_mono = start_mono;
    g->capture = capture;
    pm_init(&g->procs, store_process, g);
    g->paths = paths_new(path_row, g);
    if (!g->paths) {
        pm_free(&g->procs);
        free(g);
        return NULL;
    }
    return g;
}

void ingest_free(struct ingest *g)
{
    if (!g)
        return;
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&g->naming, &pos, &k, &v))
        free((void *)(uintptr_t)v);
    rmap_free(&g->naming);
    paths_free(g->paths);
    rmap_free(&g->inflight);
    rmap_free(&g->calls);
    rmap_free(&g->threads);
#ifndef NDEBUG
    if (!pm_check(&g->procs))
        abort();
#endif
    pm_free(&g->procs);
    free(g);
}

/* The per-session thread number of `tid` (thread.id), adding its thread
 * row the first time.  Numbers follow the order of first appearance, which
 * is the same for a direct recording and an import of its LTTng trace. */
static int thread_of(struct ingest *g, uint32_t tid, int64_t *id)
{
    uint64_t v;
    if (g->last_thread && g->last_tid == tid) {
        *id = g->last_thread;
    } else if (rmap_get(&g->threads, (uint64_t)tid + 1, &v)) {
        *id = (int64_t)v;
    } else {
        *id = ++g->next_thread;
        /* A failed put only costs a duplicate number for this tid later. */
        rmap_put(&g->threads, (uint64_t)tid + 1, (uint64_t)*id);
        struct batch *b = &g->sink->b[T_THREAD];
        batch_int(b, *id);
        batch_int(b, tid);
        int rc = batch_row(b);
        if (rc != SQLITE_OK)
            return rc;
    }
    g->last_tid = tid;
    g->last_thread = *id;
    return SQLITE_OK;
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

static const char *const origin_names[] = {
    [PIMG_SEEN] = NULL, [PIMG_FORK] = "fork", [PIMG_EXEC] = "exec",
};

/* A process row, written again (INSERT OR REPLACE) each time the model
 * learns more about the image. */
static int store_process(void *ctx, const struct pimage *img)
{
    struct ingest *g = ctx;
    struct batch *b = &g->sink->b[T_PROCESS];
    int64_t first = rel(g, img->first_ts);
    batch_int(b, img->row);
    batch_int(b, img->pid);
    batch_int(b, first > 0 ? first : 0);
    batch_int(b, img->command);
    batch_opt(b, img->start_time >= 0, img->start_time);
    batch_text(b, img->comm, img->comm ? strlen(img->comm) : 0);
    batch_text(b, img->cmdline, img->cmdline ? strlen(img->cmdline) : 0);
    batch_opt(b, img->ppid != 0, img->ppid);
    batch_opt(b, img->parent && img->parent->row, img->parent ? img->parent->row : 0);
    batch_opt(b, img->replaced && img->replaced->row, img->replaced ? img->replaced->row : 0);
    const char *origin = origin_names[img->origin];
    batch_text(b, origin, origin ? strlen(origin) : 0);
    batch_opt(b, img->exited, rel(g, img->exit_ts));
    bool exited_normally = img->exited && (img->exit_status & 0x7f) == 0;
    bool killed = img->exited && !exited_normally;
    batch_opt(b, exited_normally, (img->exit_status >> 8) & 0xff);
    batch_opt(b, killed, img->exit_status & 0x7f);
    return batch_row(b);
}

/* The row of the image a process event or identity concerns, if any. */
static int64_t row_of(const struct pmodel *m, uint32_t tgid)
{
    uint64_t v;
    if (!rmap_get(&m->cur, tgid, &v))
        return 0;
    return ((const struct pimage *)(uintptr_t)v)->row;
}

static int do_proc(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_proc_rec *e = (const void *)(h + 1);
    const char *text = (const char *)(e + 1);
    char comm[REC_COMM_MAX + 1], cmdline[REC_CMDLINE_MAX + 1];
    size_t cl = e->comm_len < REC_COMM_MAX ? e->comm_len : REC_COMM_MAX;
    size_t ml = e->cmdline_len < REC_CMDLINE_MAX ? e->cmdline_len : REC_CMDLINE_MAX;
    memcpy(comm, text, cl);
    comm[cl] = 0;
    memcpy(cmdline, text + e->comm_len, ml);
    cmdline[ml] = 0;
    pm_identity(&g->procs, e, e->have_comm ? comm : NULL, e->have_cmdline ? cmdline : NULL,
                h->ts);
    if (g->procs.rc != SQLITE_OK)
        return g->procs.rc;
    struct batch *b = &g->sink->b[T_PROCESS_EVENT];
    int64_t row = row_of(&g->procs, e->tgid);
    bool image = e->image_ts != REC_IMAGE_OLDER && e->image_ts != REC_IMAGE_UNKNOWN;
    batch_int(b, rel(g, h->ts));
    batch_int(b, REC_PROC_IDENTITY);
    batch_int(b, e->tid ? e->tid : e->tgid);
    batch_int(b, e->tgid);
    batch_opt(b, row != 0, row);
    batch_opt(b, e->ppid != 0, e->ppid);
    batch_null(b);
    batch_opt(b, image, rel(g, e->image_ts));
    batch_opt(b, e->start_time >= 0, e->start_time);
    batch_text(b, e->have_comm ? comm : NULL, cl);
    batch_text(b, e->have_cmdline ? cmdline : NULL, ml);
    return batch_row(b);
}

static int do_pevent(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_pevent_rec *e = (const struct rec_pevent_rec *)(h + 1);
    pm_event(&g->procs, e, h->ts);
    if (g->procs.rc != SQLITE_OK)
        return g->procs.rc;
    struct batch *b = &g->sink->b[T_PROCESS_EVENT];
    int64_t row = row_of(&g->procs, e->tgid);
    char comm[sizeof e->comm + 1];
    memcpy(comm, e->comm, sizeof e->comm);
    comm[sizeof e->comm] = 0;
    batch_int(b, rel(g, h->ts));
    batch_int(b, e->kind);
    batch_int(b, e->pid);
    batch_int(b, e->tgid);
    batch_opt(b, row != 0 && (e->kind != REC_PROC_FORK || e->pid == e->tgid), row);
    batch_opt(b, e->kind == REC_PROC_FORK, e->ptgid);
    batch_opt(b, e->kind == REC_PROC_EXIT, e->exit_status);
    if (e->kind == REC_PROC_COMM) {
        batch_null(b);
        batch_null(b);
        batch_text(b, comm, strlen(comm));
    }
    return batch_row(b);
}

/* The fields the wire tap changed, as text (wire/tap_edit.h), or NULL. */
static void bind_tap_edit(struct batch *b, uint32_t edits)
{
    char text[160];
    size_t n = edits ? wire_tap_edit_text(edits, text, sizeof text) : 0;
    if (n)
        batch_text(b, text, n);
    else
        batch_null(b);
}

static int do_request(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_wire *wr = (const void *)(h + 1);
    const uint8_t *msg = (const uint8_t *)(wr + 1);
    struct wire_request q;
    int rc;

    wire_decode_request(msg, wr->wire_len, &g->proto, &q);
    if (h->flags & REC_F_TRUNCATED)
        q.malformed = true;

    int64_t process_id = 0;
    if (q.ok && q.pid) {
        process_id = pm_request(&g->procs, q.pid, h->ts);
        if (g->procs.rc != SQLITE_OK)
            return g->procs.rc;
    }
    if (q.ok && (q.opcode == FUSE_INIT) && (q.present & WF_INIT)) {
        rc = sink_init_kernel(g->sink, q.init_major, q.init_minor,
                              q.init_max_readahead, (int64_t)q.init_flags);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (q.ok && wire_opcode_has_reply(q.opcode) && g->inflight.n < INFLIGHT_MAX) {
        bool size_query = (q.opcode == FUSE_GETXATTR || q.opcode == FUSE_LISTXATTR)
                          && q.size == 0;
        rmap_put(&g->inflight, q.unique, q.opcode | ((uint64_t)size_query << 32));
    }

    /* Paths as they are now, before this request's reply can change them. */
    uint32_t p = q.present;
    int64_t path = 0, path2 = 0, entry = 0, entry2 = 0;
    if (q.ok) {
        bool named = (p & WF_NAME) && names_an_entry(q.opcode);
        if (q.nodeid && (rc = paths_node(g->paths, q.nodeid, &path, NULL)) != SQLITE_OK)
            return rc;
        if ((p & WF_NODEID2) && q.nodeid2
            && (rc = paths_node(g->paths, q.nodeid2, &path2, NULL)) != SQLITE_OK)
            return rc;
        if (named && (rc = paths_child(g->paths, q.nodeid, q.name, q.name_len, &entry)) != SQLITE_OK)
            return rc;
        if ((q.opcode == FUSE_RENAME || q.opcode == FUSE_RENAME2) && (p & WF_NAME2)
            && (rc = paths_child(g->paths, q.nodeid2, q.name2, q.name2_len, &entry2)) != SQLITE_OK)
            return rc;
        if (names_a_node(q.opcode) && wire_opcode_has_reply(q.opcode)) {
            size_t l1 = named ? q.name_len : 0, l2 = (p & WF_NAME2) ? q.name2_len : 0;
            struct naming *nm = malloc(sizeof *nm + l1 + l2 + 2);
            if (nm) {
                *nm = (struct naming){ .opcode = q.opcode, .flags = (p & WF_FLAGS) ? q.flags : 0,
                                       .nodeid = q.nodeid, .nodeid2 = q.nodeid2,
                                       .len = (uint32_t)l1, .len2 = (uint32_t)l2 };
                if (l1)                /* READDIRPLUS: no name (q.name NULL) */
                    memcpy(nm->names, q.name, l1);
                nm->names[l1] = 0;
                if (l2)
                    memcpy(nm->names + l1 + 1, q.name2, l2);
                nm->names[l1 + 1 + l2] = 0;
                uint64_t old;
                if (rmap_del(&g->naming, q.unique, &old))
                    free((void *)(uintptr_t)old);
                if (!rmap_put(&g->naming, q.unique, (uint64_t)(uintptr_t)nm))
                    free(nm);  /* its names go unseen; paths stay as they were */
            }
        }
    }

    int64_t thread;
    if ((rc = thread_of(g, h->tid, &thread)) != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_REQUEST];
    batch_int(b, rel(g, h->ts));
    batch_int(b, (int64_t)q.unique);
    batch_int(b, q.opcode);
    batch_int(b, (int64_t)q.nodeid);
    batch_int(b, q.uid);
    batch_int(b, q.gid);
    batch_int(b, q.pid);
    batch_opt(b, process_id != 0, process_id);
    batch_int(b, thread);
    batch_int(b, h->orig_len);
    batch_opt(b, path != 0, path);
    if (p & WF_NAME) batch_text(b, q.name, q.name_len); else batch_null(b);
    batch_opt(b, entry != 0, entry);
    batch_opt(b, p & WF_FLAGS, q.flags);
    batch_opt(b, p & WF_FH, (int64_t)q.fh);
    batch_opt(b, p & WF_OFFSET, (int64_t)q.offset);
    batch_opt(b, p & WF_SIZE, (int64_t)q.size);
    batch_opt(b, p & WF_MODE, q.mode);
    batch_opt(b, p & WF_UMASK, q.umask);
    if (p & WF_NAME2) batch_text(b, q.name2, q.name2_len); else batch_null(b);
    batch_opt(b, p & WF_NODEID2, (int64_t)q.nodeid2);
    batch_opt(b, path2 != 0, path2);
    batch_opt(b, entry2 != 0, entry2);
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
    if (g->capture && (p & WF_DATA) && q.data_len && q.opcode != FUSE_SETXATTR)
        batch_blob(b, q.data, q.data_len < g->capture ? q.data_len : g->capture);
    else
        batch_null(b);
    bind_tap_edit(b, wr->tap_edits);
    if ((rc = batch_row(b)) != SQLITE_OK)
        return rc;

    if (q.ok && q.opcode == FUSE_FORGET) {
        struct batch *f = &g->sink->b[T_FORGET];
        batch_int(f, rel(g, h->ts));
        batch_int(f, (int64_t)q.unique);
        batch_int(f, (int64_t)q.nodeid);
        batch_int(f, (int64_t)q.nlookup);
        if ((rc = batch_row(f)) != SQLITE_OK)
            return rc;
    }
    if (q.ok && (p & WF_FORGETS)) {
        struct batch *f = &g->sink->b[T_FORGET];
        for (uint32_t i = 0; i < q.nforgets; i++) {
            uint64_t nodeid, nlookup;
            wire_forget_item(&q, i, &nodeid, &nlookup);
            batch_int(f, rel(g, h->ts));
            batch_int(f, (int64_t)q.unique);
            batch_int(f, (int64_t)nodeid);
            batch_int(f, (int64_t)nlookup);
            if ((rc = batch_row(f)) != SQLITE_OK)
                return rc;
        }
    }
    return SQLITE_OK;
}

static int do_notify(struct ingest *g, const struct rec_hdr *h, const struct wire_reply *a)
{
    int64_t thread;
    int rc = thread_of(g, h->tid, &thread);
    if (rc != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_NOTIFY];
    batch_int(b, rel(g, h->ts));
    batch_int(b, thread);
    batch_int(b, a->ok ? a->error : 0);
    batch_int(b, h->orig_len);
    batch_opt(b, a->ok, (int64_t)a->nodeid);
    batch_opt(b, a->present & WF_NODEID2, (int64_t)a->nodeid2);
    if (a->present & WF_NAME) batch_text(b, a->name, a->name_len); else batch_null(b);
    batch_opt(b, a->present & WF_OFFSET, (int64_t)a->offset);
    batch_opt(b, a->present & WF_SIZE, (int64_t)a->size);
    batch_opt(b, a->error == FUSE_NOTIFY_RETRIEVE, (int64_t)a->notify_unique);
    if (g->capture && a->data_len)
        batch_blob(b, a->data, a->data_len < g->capture ? a->data_len : g->capture);
    else
        batch_null(b);
    return batch_row(b);
}

/* A node got another current name: one node_name row (its first name is
 * its inode row). */
static int name_history(struct ingest *g, const struct rec_hdr *h, uint64_t unique,
                        uint64_t nodeid)
{
    uint64_t parent;
    const char *name;
    size_t len;
    int64_t path;
    if (!nodeid || !paths_current(g->paths, nodeid, &parent, &name, &len))
        return SQLITE_OK;
    int rc = paths_node(g->paths, nodeid, &path, NULL);
    if (rc != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_NODE_NAME];
    batch_int(b, rel(g, h->ts));
    batch_int(b, (int64_t)unique);
    batch_int(b, (int64_t)nodeid);
    batch_int(b, (int64_t)parent);
    batch_text(b, name, len);
    batch_opt(b, path != 0, path);
    return batch_row(b);
}

static int name_node(struct ingest *g, const struct rec_hdr *h, uint64_t unique, uint64_t nodeid,
                     uint64_t parent, const char *name, size_t len)
{
    bool renamed;
    paths_name(g->paths, nodeid, parent, name, len, &renamed);
    return renamed ? name_history(g, h, unique, nodeid) : SQLITE_OK;
}

/* What a successful reply to `nm` tells about names. */
static int apply_naming(struct ingest *g, const struct rec_hdr *h, const struct wire_reply *a,
                        const struct naming *nm)
{
    const char *name = nm->names, *name2 = nm->names + nm->len + 1;
    switch (nm->opcode) {
    case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR: case FUSE_SYMLINK: case FUSE_LINK:
    case FUSE_CREATE:
        /* LINK: nodeid is the new parent, the reply names the linked node. */
        if ((a->present & WR_ENTRY) && a->nodeid)
            return name_node(g, h, a->unique, a->nodeid, nm->nodeid, name, nm->len);
        return SQLITE_OK;
    case FUSE_RENAME: case FUSE_RENAME2: {
        uint64_t moved[2];
        paths_rename(g->paths, nm->nodeid, name, nm->len, nm->nodeid2, name2, nm->len2,
                     nm->opcode == FUSE_RENAME2 && (nm->flags & RENAME_EXCHANGE_FLAG), moved);
        int rc = name_history(g, h, a->unique, moved[0]);
        return rc == SQLITE_OK ? name_history(g, h, a->unique, moved[1]) : rc;
    }
    case FUSE_UNLINK: case FUSE_RMDIR:
        paths_unlink(g->paths, nm->nodeid, name, nm->len);
        return SQLITE_OK;
    default:
        return SQLITE_OK;
    }
}

static int store_reply(struct ingest *g, const struct rec_hdr *h, const struct wire_req_info *ri,
                       struct wire_reply *ap, const struct naming *nm);

static int do_reply(struct ingest *g, const struct rec_hdr *h)
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
    if (unique && rmap_del(&g->inflight, unique, &v)) {
        info.opcode = (uint32_t)v;
        info.size_query = (v >> 32) & 1;
    }
    if (!info.opcode && (unique & WIRE_INT_REQ_BIT))
        info.opcode = FUSE_INTERRUPT;

    wire_decode_reply(msg, wr->wire_len, &info, &g->proto, &a);
    if (!a.ok || a.notify)
        return do_notify(g, h, &a);
    struct naming *nm = NULL;
    if (rmap_del(&g->naming, a.unique, &v))
        nm = (struct naming *)(uintptr_t)v;
    rc = store_reply(g, h, &info, &a, nm);
    free(nm);
    return rc;
}

static int store_reply(struct ingest *g, const struct rec_hdr *h, const struct wire_req_info *ri,
                       struct wire_reply *ap, const struct naming *nm)
{
    const struct rec_wire *wr = (const void *)(h + 1);
    int rc;

    if (ri->opcode == FUSE_INIT && (ap->present & WF_INIT)) {
        struct sink_init_reply ir = {
            .ts = rel(g, h->ts), .major = ap->init_major, .minor = ap->init_minor,
            .flags = (int64_t)ap->init_flags, .max_readahead = ap->init_max_readahead,
            .max_write = ap->init_max_write, .max_background = ap->init_max_background,
            .congestion_threshold = ap->init_congestion_threshold,
            .time_gran = ap->init_time_gran, .max_pages = ap->init_max_pages,
        };
        if ((rc = sink_init_reply(g->sink, &ir)) != SQLITE_OK)
            return rc;
        g->proto.minor = ap->init_minor;
        /* FUSE_SETXATTR_EXT (7.33) changes the SETXATTR argument size. */
        g->proto.setxattr_ext = ap->init_minor >= 33 && (ap->init_flags & FUSE_SETXATTR_EXT);
    }
    if (!g->timeouts_done && (ap->present & WR_TIMEOUTS) && ap->error == 0) {
        g->timeouts_done = true;
        if ((rc = sink_timeouts(g->sink, (int64_t)ap->entry_valid_ns,
                                (int64_t)ap->attr_valid_ns)) != SQLITE_OK)
            return rc;
    }
    if (h->flags & REC_F_TRUNCATED) {
        ap->malformed = true;
        if (ap->extra.n < WIRE_MAX_EXTRA) {
            ap->extra.kv[ap->extra.n].key = "truncated";
            ap->extra.kv[ap->extra.n].val = h->orig_len;
            ap->extra.n++;
        }
    }

    int64_t thread;
    if ((rc = thread_of(g, h->tid, &thread)) != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_REPLY];
    uint32_t p = ap->present;
    batch_int(b, (int64_t)ap->unique);
    batch_int(b, rel(g, h->ts));
    batch_int(b, thread);
    batch_opt(b, ri->opcode != 0, ri->opcode);
    batch_int(b, -(int64_t)ap->error);
    batch_int(b, h->orig_len);
    batch_opt(b, p & WR_BYTES, (int64_t)ap->bytes);
    batch_opt(b, p & WR_ENTRY, (int64_t)ap->nodeid);
    batch_opt(b, p & WR_ENTRY, (int64_t)ap->generation);
    batch_opt(b, p & WR_ATTR, ap->attr_mode);
    batch_opt(b, p & WR_ATTR, (int64_t)ap->attr_size);
    batch_opt(b, p & WR_ATTR, (int64_t)ap->attr_ino);
    batch_opt(b, p & WR_ATTR, ap->attr_uid);
    batch_opt(b, p & WR_ATTR, ap->attr_gid);
    batch_opt(b, p & WR_OPEN, (int64_t)ap->fh);
    batch_opt(b, p & WR_OPEN, ap->open_flags);
    batch_opt(b, p & WR_COUNT, (int64_t)ap->count);
    if (p & WF_NAME) batch_text(b, ap->name, ap->name_len); else batch_null(b);
    bind_extra(b, &ap->extra);
    if (g->capture && (p & WF_DATA) && ap->data_len)
        batch_blob(b, ap->data, ap->data_len < g->capture ? ap->data_len : g->capture);
    else
        batch_null(b);
    bind_tap_edit(b, wr->tap_edits);
    if ((rc = batch_row(b)) != SQLITE_OK)
        return rc;

    if (nm && ap->error == 0 && (rc = apply_naming(g, h, ap, nm)) != SQLITE_OK)
        return rc;
    if (p & WR_DIRENTS) {
        /* Every entry, READDIR and READDIRPLUS alike; node id NULL where
         * the entry carries no reference (READDIR, ".", ".."). */
        struct batch *d = &g->sink->b[T_DIRENT];
        size_t pos = 0;
        bool bad = false;
        struct wire_dirent de;
        while (wire_dirent_next(ap->dirents, ap->dirents_len, ap->plus, &pos, &de, &bad)) {
            batch_int(d, (int64_t)ap->unique);
            batch_opt(d, de.nodeid != 0, (int64_t)de.nodeid);
            batch_text(d, de.name, de.name_len);
            batch_int(d, de.type);
            batch_int(d, (int64_t)de.ino);
            batch_int(d, (int64_t)de.off);
            batch_opt(d, ap->plus, de.attr_mode);
            batch_opt(d, ap->plus, (int64_t)de.attr_size);
            if ((rc = batch_row(d)) != SQLITE_OK)
                return rc;
            /* A READDIRPLUS entry is a lookup: it names its node. */
            if (nm && ap->plus && de.nodeid && ap->error == 0
                && (rc = name_node(g, h, ap->unique, de.nodeid, nm->nodeid, de.name, de.name_len))
                   != SQLITE_OK)
                return rc;
        }
    }
    return SQLITE_OK;
}

static int do_inode(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_inode_rec *e = (const void *)(h + 1);
    const char *name = (const char *)(e + 1);
    const uint8_t *handle = (const uint8_t *)name + e->name_len;
    int kind = e->kind;
    int64_t thread;
    int rc = thread_of(g, h->tid, &thread);
    if (rc != SQLITE_OK)
        return rc;

    struct batch *b = &g->sink->b[T_INODE_EVENT];
    bool ids = kind == REC_INODE_NEW || kind == REC_INODE_REVIVE ||
               kind == REC_INODE_REUSE_DETECTED;
    bool fdk = kind == REC_INODE_FD_OPEN || kind == REC_INODE_FD_EVICT
            || kind == REC_INODE_FALLBACK;
    bool refk = kind == REC_INODE_REF || kind == REC_INODE_UNREF;
    batch_int(b, rel(g, h->ts));
    batch_int(b, (int64_t)h->unique);
    batch_int(b, thread);
    batch_int(b, kind);
    batch_int(b, e->cause);
    batch_int(b, (int64_t)e->nodeid);
    batch_int(b, (int64_t)e->nlookup);
    batch_opt(b, refk || e->delta, e->delta);
    batch_opt(b, fdk || e->fd > 0, e->fd);
    if (e->handle_len) {
        batch_blob(b, handle, e->handle_len);
        batch_int(b, e->handle_type);
    } else {
        batch_null(b);
        batch_opt(b, kind == REC_INODE_HANDLE, e->handle_type);
    }
    batch_opt(b, e->parent != 0, (int64_t)e->parent);
    if (e->has_name) batch_text(b, name, e->name_len); else batch_null(b);
    /* The backing identity is a node's for life (node ids are never
     * reused): stored where it is established, NEW and REUSE_DETECTED,
     * and found there (or in `inode`) for the node's other events. */
    batch_opt(b, ids, (int64_t)e->dev);
    batch_opt(b, ids, (int64_t)e->ino);
    batch_opt(b, ids, (int64_t)e->mnt_id);
    batch_opt(b, e->err != 0, e->err);
    batch_opt(b, e->other_nodeid != 0, (int64_t)e->other_nodeid);
    bool iok = kind == REC_INODE_IO_MODE || kind == REC_INODE_IO_CONFLICT;
    bool bk = iok || kind == REC_INODE_BACKING_OPEN || kind == REC_INODE_BACKING_CLOSE;
    batch_opt(b, iok, e->io_mode);
    batch_opt(b, iok, e->io_prev);
    batch_opt(b, iok, e->io_why);
    batch_opt(b, bk && e->backing_id != 0, e->backing_id);
    if ((rc = batch_row(b)) != SQLITE_OK)
        return rc;

    if (kind == REC_INODE_NEW) {
        /* The entry the shim made: its name, and its path now. */
        bool renamed;
        const char *path = NULL;
        int64_t path_id;
        if (e->has_name)
            paths_name(g->paths, e->nodeid, e->parent, name, e->name_len, &renamed);
        if ((rc = paths_node(g->paths, e->nodeid, &path_id, &path)) != SQLITE_OK)
            return rc;
        struct batch *in = &g->sink->b[T_INODE];
        batch_int(in, (int64_t)e->nodeid);
        batch_int(in, rel(g, h->ts));
        batch_opt(in, e->parent != 0, (int64_t)e->parent);
        if (e->has_name) batch_text(in, name, e->name_len); else batch_null(in);
        batch_text(in, path, path ? strlen(path) : 0);
        batch_int(in, (int64_t)e->dev);
        batch_int(in, (int64_t)e->ino);
        batch_int(in, (int64_t)e->mnt_id);
        if ((rc = batch_row(in)) != SQLITE_OK)
            return rc;
    } else if (kind == REC_INODE_REVIVE && e->has_name) {
        /* A forgotten nodeid brought back for the same file: it has a name
         * again (its `inode` row stays that of its NEW), and its children
         * found from now on get paths again. */
        bool renamed;
        paths_name(g->paths, e->nodeid, e->parent, name, e->name_len, &renamed);
    } else if (kind == REC_INODE_FREE && e->nodeid != FUSE_ROOT_ID) {
        paths_forget(g->paths, e->nodeid);
    }
    return SQLITE_OK;
}

static int do_fh(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_fh_rec *e = (const void *)(h + 1);
    int64_t thread;
    int rc = thread_of(g, h->tid, &thread);
    if (rc != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_FH];
    batch_int(b, rel(g, h->ts));
    batch_int(b, (int64_t)h->unique);
    batch_int(b, thread);
    batch_int(b, e->kind);
    batch_int(b, (int64_t)e->fh);
    batch_int(b, (int64_t)e->nodeid);
    batch_int(b, e->flags);
    batch_int(b, e->fd);
    batch_int(b, e->created);
    batch_opt(b, e->io_mode != 0, e->io_mode);
    batch_opt(b, e->size >= 0, e->size);
    return batch_row(b);
}

/* The call_name.id of a syscall name, adding its row the first time. */
static int call_id_of(struct ingest *g, const char *call, uint64_t *idp)
{
    uint64_t id;
    int rc;
    if (!rmap_get(&g->calls, (uint64_t)(uintptr_t)call, &id)) {
        /* The pointer is a string literal in this process (recorder.h),
         * so the text is still there. */
        const char *text = call ? call : "?";
        id = 0;
        for (int64_t i = 0; i < g->next_call && i < 256; i++)
            if (strncmp(g->call_text[i], text, 256) == 0) {
                id = (uint64_t)i + 1;
                break;
            }
        if (!id) {
            id = (uint64_t)++g->next_call;
            if (id <= 256)
                g->call_text[id - 1] = text;
            struct batch *c = &g->sink->b[T_CALL];
            batch_int(c, (int64_t)id);
            batch_text(c, text, strnlen(text, 256));
            if ((rc = batch_row(c)) != SQLITE_OK)
                return rc;
        }
        if (call)
            rmap_put(&g->calls, (uint64_t)(uintptr_t)call, id);
    }
    *idp = id;
    return SQLITE_OK;
}

static int do_backing(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_backing_rec *e = (const void *)(h + 1);
    const char *name = (const char *)(e + 1);
    uint64_t id;
    int rc;

    if ((rc = call_id_of(g, e->call, &id)) != SQLITE_OK)
        return rc;
    int64_t thread;
    if ((rc = thread_of(g, h->tid, &thread)) != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_BACKING];
    uint64_t start = e->start_ns ? e->start_ns : h->ts;
    batch_int(b, rel(g, start));
    batch_int(b, (int64_t)h->unique);
    batch_int(b, thread);
    batch_int(b, (int64_t)id);
    batch_opt(b, e->fd >= 0, e->fd);
    batch_int(b, e->arg);
    batch_int(b, e->result);
    batch_int(b, e->err);
    batch_int(b, e->end_ns >= e->start_ns && e->start_ns ? (int64_t)(e->end_ns - e->start_ns) : 0);
    if (e->has_name) batch_text(b, name, e->name_len); else batch_null(b);
    return batch_row(b);
}

static int do_manifest(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_manifest_rec *e = (const void *)(h + 1);
    const char *name = (const char *)(e + 1);
    const char *target = name + e->name_len;
    const uint8_t *data = (const uint8_t *)target + e->target_len;
    struct batch *b = &g->sink->b[T_MANIFEST];
    batch_int(b, rel(g, h->ts));
    batch_int(b, (int64_t)h->unique);
    batch_int(b, (int64_t)e->nodeid);
    batch_int(b, (int64_t)e->parent);
    if (e->has_name) batch_text(b, name, e->name_len); else batch_null(b);
    batch_int(b, e->mode);
    batch_int(b, (int64_t)e->size);
    batch_int(b, e->uid);
    batch_int(b, e->gid);
    batch_int(b, (int64_t)e->rdev);
    batch_int(b, (int64_t)e->nlink);
    batch_int(b, (int64_t)e->dev);
    batch_int(b, (int64_t)e->ino);
    batch_int(b, e->atime_ns);
    batch_int(b, e->mtime_ns);
    batch_int(b, e->ctime_ns);
    if (e->has_target) batch_text(b, target, e->target_len); else batch_null(b);
    if (e->data_len) batch_blob(b, data, e->data_len); else batch_null(b);
    return batch_row(b);
}

static void batch_text_or_null(struct batch *b, const char *s, size_t n)
{
    if (n)
        batch_text(b, s, n);
    else
        batch_null(b);
}

static int do_stall(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_stall_rec *e = (const void *)(h + 1);
    const char *name = (const char *)(e + 1);
    const char *path = name + e->name_len;
    const char *wchan = path + e->path_len;
    const char *stack = wchan + e->wchan_len;
    uint64_t call = 0;
    int64_t thread;
    int rc;
    if (e->call && (rc = call_id_of(g, e->call, &call)) != SQLITE_OK)
        return rc;
    if ((rc = thread_of(g, h->tid, &thread)) != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_STALL];
    batch_int(b, (int64_t)h->unique);
    batch_int(b, rel(g, h->ts));
    batch_int(b, thread);
    batch_int(b, rel(g, e->held_ns));
    batch_opt(b, e->call != NULL, (int64_t)call);
    batch_opt(b, e->call != NULL && e->fd >= 0, e->fd);
    batch_opt(b, e->call != NULL, e->arg);
    batch_opt(b, e->call != NULL, rel(g, e->call_ns));
    batch_text_or_null(b, name, e->name_len);
    batch_text_or_null(b, path, e->path_len);
    batch_text_or_null(b, wchan, e->wchan_len);
    batch_text_or_null(b, stack, e->stack_len);
    return batch_row(b);
}

static int do_stall_end(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_stall_end_rec *e = (const void *)(h + 1);
    struct batch *b = &g->sink->b[T_STALL_END];
    const char *reason = rec_stall_end_name((enum rec_stall_end_reason)e->reason);
    batch_int(b, (int64_t)h->unique);
    batch_int(b, rel(g, h->ts));
    batch_text(b, reason, strlen(reason));
    return batch_row(b);
}

static int do_kernel(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_kernel_rec *e = (const void *)(h + 1);
    if (e->kind == REC_KERNEL_SEND) {
        struct batch *b = &g->sink->b[T_KSEND];
        batch_int(b, (int64_t)h->unique);
        batch_int(b, rel(g, h->ts));
        batch_int(b, e->opcode);
        batch_int(b, e->len);
        batch_int(b, e->tid);
        return batch_row(b);
    }
    if (e->kind == REC_KERNEL_END) {
        struct batch *b = &g->sink->b[T_KEND];
        batch_int(b, (int64_t)h->unique);
        batch_int(b, rel(g, h->ts));
        batch_int(b, e->len);
        batch_int(b, -(int64_t)e->error);   /* positive errno, as in reply.error */
        return batch_row(b);
    }
    return SQLITE_OK;
}

static int do_kernel_state(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_kernel_state_rec *e = (const void *)(h + 1);
    return sink_sides(g->sink, e->on != 0, e->connection, (const char *)(e + 1), e->note_len);
}

static int do_kernel_loss(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_kernel_loss_rec *e = (const void *)(h + 1);
    return ingest_loss_row(g, h->ts, h->tid, e->events);
}

static int do_counter(struct ingest *g, const struct rec_hdr *h)
{
    const struct rec_counter_rec *e = (const void *)(h + 1);
    const char *name = e->name ? e->name : "?";
    struct batch *b = &g->sink->b[T_COUNTER];
    batch_int(b, rel(g, h->ts));
    batch_text(b, name, strnlen(name, 256));
    batch_int(b, e->value);
    return batch_row(b);
}

int ingest_store(struct ingest *g, const struct rec_hdr *h)
{
    switch (h->type) {
    case REC_T_PROC:     return do_proc(g, h);
    case REC_T_REQUEST:  return do_request(g, h);
    case REC_T_REPLY:    return do_reply(g, h);
    case REC_T_INODE:    return do_inode(g, h);
    case REC_T_FH:       return do_fh(g, h);
    case REC_T_BACKING:  return do_backing(g, h);
    case REC_T_MANIFEST: return do_manifest(g, h);
    case REC_T_PEVENT:   return do_pevent(g, h);
    case REC_T_STALL:    return do_stall(g, h);
    case REC_T_STALL_END: return do_stall_end(g, h);
    case REC_T_KERNEL:   return do_kernel(g, h);
    case REC_T_KERNEL_STATE: return do_kernel_state(g, h);
    case REC_T_KERNEL_LOSS: return do_kernel_loss(g, h);
    case REC_T_COUNTER:  return do_counter(g, h);
    default:             return SQLITE_OK;
    }
}

int ingest_loss_row(struct ingest *g, uint64_t ts, uint32_t tid, uint64_t events)
{
    int64_t thread;
    int rc = thread_of(g, tid, &thread);
    if (rc != SQLITE_OK)
        return rc;
    struct batch *b = &g->sink->b[T_LOSS];
    batch_int(b, rel(g, ts));
    batch_int(b, thread);
    batch_int(b, (int64_t)events);
    return batch_row(b);
}

/* ---- batch API ------------------------------------------------------------------- */

int ingest_commit(struct ingest *g)
{
    if (!g->sink->in_txn)
        return SQLITE_OK;
    struct sink_counters c;
    ingest_counters(g, &c);
    int rc = sink_commit(g->sink, &c);
    if (rc == SQLITE_OK)
        g->pending = 0;
    return rc;
}

static int begin(struct ingest *g)
{
    if (g->sink->in_txn)
        return SQLITE_OK;
    return sink_begin(g->sink);
}

int ingest_record(struct ingest *g, const struct rec_hdr *h)
{
    int rc = begin(g);
    if (rc != SQLITE_OK)
        return rc;
    /* The recorded sides are not events; kernel events the trace buffer lost
     * are counted (the live recorder counts them where they happen, an
     * importer learns of them here). */
    if (h->type == REC_T_KERNEL_STATE)
        return do_kernel_state(g, h);
    if (h->type == REC_T_KERNEL_LOSS) {
        const struct rec_kernel_loss_rec *e = (const void *)(h + 1);
        ingest_count_lost(g, e->events);
        g->cnt.kernel_lost += e->events;
        return do_kernel_loss(g, h);
    }
    g->cnt.seen++;
    if (h->type == REC_T_REQUEST)
        g->cnt.req_seen++;
    else if (h->type == REC_T_REPLY)
        g->cnt.rep_seen++;
    if ((rc = ingest_store(g, h)) != SQLITE_OK)
        return rc;
    g->cnt.stored++;
    if (++g->pending >= INGEST_COMMIT_ROWS)
        rc = ingest_commit(g);
    return rc;
}

int ingest_loss(struct ingest *g, uint64_t ts, uint32_t tid, uint64_t events)
{
    int rc = begin(g);
    if (rc != SQLITE_OK)
        return rc;
    return ingest_loss_row(g, ts, tid, events);
}

void ingest_count_lost(struct ingest *g, uint64_t n)
{
    g->cnt.seen += n;
    g->cnt.lost += n;
}

void ingest_counters(const struct ingest *g, struct sink_counters *c)
{
    *c = g->cnt;
}
