/* import_lttng.c — see import_lttng.h.
 *
 * Each fusetrace:request/reply/inode/fh/backing/process/process_event/manifest/
 * stall/stall_end event
 * becomes the binary record the hot path would have put in its ring
 * (trace/rec_event.h), and goes through the recorder's own decode-and-store
 * code (trace/rec_ingest.c).  The
 * session is opened from fusetrace:session (phase 0) and finalised from
 * phase 1.  Events that come before the session event are held back until
 * the session is known (the relative timestamps need its start).
 */
#include "import/import_lttng.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/import_ctf.h"
#include "trace/import_sink.h"
#include "trace/tp_args.h"

#define REC_BUF (sizeof(struct rec_hdr) + sizeof(struct rec_inode_rec) \
                 + sizeof(struct rec_manifest_rec) + sizeof(struct rec_stall_rec) \
                 + 2 * REC_NAME_MAX + REC_WCHAN_MAX + REC_STACK_MAX \
                 + REC_HANDLE_MAX + TP_RAW_MAX + REC_COMM_MAX + REC_CMDLINE_MAX + 64)
/* What the hot path keeps of a reply whose opcode it does not know. */
#define UNKNOWN_REPLY_KEEP (sizeof(struct fuse_out_header) + 4096)

/* A live reader that joined a running session never sees its start: give
 * up after this many events instead of holding them back for ever. */
#define LIVE_HELD_MAX 100000

struct held {
    uint64_t vpid;
    struct rec_hdr *rec;       /* malloc'd copy */
};

/* Records wait this long (trace time) in a queue ordered by their own time
 * before they are stored.  A process event is traced by the connector's
 * thread a little after the kernel stamped it, and carries that stamp;
 * the writer of a live recording merges it by the stamp (rec_writer.c),
 * and so does the import, within this window. */
#define REORDER_NS 1000000000ULL

struct queued {
    uint64_t ts, seq;
    struct rec_hdr *rec;       /* malloc'd copy */
};

struct other {
    char uuid[64];
    uint64_t pid;
};

struct call_name {
    struct call_name *next;
    char text[];
};

struct imp {
    const struct import_opts *o;
    struct import_stats *st;
    char *err;
    size_t errlen;

    bool have;                 /* the session is known and the sink open */
    uint64_t pid;              /* its recorder pid (vpid of its events) */
    uint64_t start_mono;
    size_t capture;
    bool closed;
    uint64_t close_ts;
    char status[32];
    char end_cause[128];       /* the end event's end_cause ("" if none) */

    struct import_sink *sink;

    struct held *held;
    size_t nheld, capheld;
    struct queued *q;          /* min-heap by (ts, seq) */
    size_t nq, capq;
    uint64_t seq;
    struct other others[16];
    int nothers;
    struct call_name *calls;
    uint8_t *buf;
};

static void set_err(struct imp *m, const char *fmt, const char *a, const char *b)
{
    if (!m->err[0])
        snprintf(m->err, m->errlen, fmt, a, b);
}

static const char *intern(struct imp *m, const char *s)
{
    for (struct call_name *c = m->calls; c; c = c->next)
        if (!strcmp(c->text, s))
            return c->text;
    size_t n = strlen(s);
    struct call_name *c = malloc(sizeof *c + n + 1);
    if (!c)
        return NULL;
    memcpy(c->text, s, n + 1);
    c->next = m->calls;
    m->calls = c;
    return c->text;
}

static uint64_t event_vpid(const bt_event *ev)
{
    uint64_t v = 0;
    ctf_u64(bt_event_borrow_common_context_field_const(ev), "vpid", &v);
    return v;
}

static const char *trace_env(const bt_event *ev, const char *key)
{
    const bt_trace *t = bt_stream_borrow_trace_const(bt_event_borrow_stream_const(ev));
    const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(t, key);
    return v && bt_value_is_string(v) ? bt_value_string_get(v) : NULL;
}

static inline size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static void hdr(struct rec_hdr *h, size_t size, uint8_t type, uint64_t ts, uint64_t unique,
                uint32_t tid)
{
    memset(h, 0, sizeof *h);
    h->size = (uint32_t)align8(size);
    h->type = type;
    h->ts = ts;
    h->unique = unique;
    h->tid = tid;
}

/* The reply bytes the hot path means to keep (rec_hotpath.c:
 * rec_wire_reply); fewer in the event means the message was cut. */
static size_t reply_keep(uint64_t unique, int32_t error, uint32_t opcode, size_t total,
                         size_t capture)
{
    size_t oh = sizeof(struct fuse_out_header), keep;
    if (unique == 0)
        keep = error == FUSE_NOTIFY_STORE
             ? oh + sizeof(struct fuse_notify_store_out) + capture : total;
    else if (opcode == FUSE_READ)
        keep = oh + capture;
    else if (opcode || (unique & 1))
        keep = total;
    else
        keep = UNKNOWN_REPLY_KEEP;
    return keep < total ? keep : total;
}

/* Build the record for one event into m->buf; NULL if it is not one. */
static struct rec_hdr *convert(struct imp *m, const char *name, const bt_field *p, uint64_t ts)
{
    struct rec_hdr *h = (struct rec_hdr *)m->buf;
    uint64_t unique = 0, tid = 0, u;
    int64_t i;
    ctf_u64(p, "unique", &unique);
    ctf_u64(p, "tid", &tid);

    if (!strcmp(name, "fusetrace:request") || !strcmp(name, "fusetrace:reply")) {
        bool req = !strcmp(name, "fusetrace:request");
        struct rec_wire *w = (struct rec_wire *)(h + 1);
        long n = ctf_bytes(p, "raw", (uint8_t *)(w + 1), TP_RAW_MAX);
        if (n < 0)
            return NULL;
        uint64_t len = 0, trunc = 0, opcode = 0, edits = 0;
        int64_t error = 0;
        ctf_u64(p, "tap_edits", &edits);
        ctf_u64(p, "len", &len);
        ctf_u64(p, "truncated", &trunc);
        ctf_u64(p, "opcode", &opcode);
        ctf_i64(p, "error", &error);
        hdr(h, sizeof *h + sizeof *w + (size_t)n, req ? REC_T_REQUEST : REC_T_REPLY, ts,
            unique, (uint32_t)tid);
        h->orig_len = (uint32_t)len;
        w->wire_len = (uint32_t)n;
        w->tap_edits = (uint32_t)edits;
        if (req) {
            h->flags = trunc ? REC_F_TRUNCATED : 0;
        } else {
            h->hint = (uint16_t)(opcode <= 0xffff ? opcode : 0);
            h->flags = (size_t)n < reply_keep(unique, (int32_t)error, (uint32_t)opcode,
                                              (size_t)len, m->capture)
                     ? REC_F_TRUNCATED : 0;
        }
        return h;
    }
    if (!strcmp(name, "fusetrace:inode")) {
        struct rec_inode_rec *e = (struct rec_inode_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        const char *nm = ctf_str(p, "name");
        size_t nl = nm ? strnlen(nm, REC_NAME_MAX) : 0;
        uint8_t *q = (uint8_t *)(e + 1);
        if (nl)
            memcpy(q, nm, nl);
        long hl = ctf_bytes(p, "handle", q + nl, REC_HANDLE_MAX);
        if (hl < 0)
            hl = 0;
        /* The tracepoint writes "" for a NULL name; no event has an empty one. */
        e->has_name = nl != 0;
        e->name_len = (uint16_t)nl;
        e->handle_len = (uint16_t)hl;
        if (ctf_i64(p, "kind", &i)) e->kind = (uint8_t)i;
        if (ctf_i64(p, "cause", &i)) e->cause = (uint8_t)i;
        if (ctf_i64(p, "err", &i)) e->err = (int32_t)i;
        if (ctf_i64(p, "fd", &i)) e->fd = (int32_t)i;
        if (ctf_i64(p, "handle_type", &i)) e->handle_type = (int32_t)i;
        if (ctf_i64(p, "delta", &i)) e->delta = i;
        if (ctf_u64(p, "nodeid", &u)) e->nodeid = u;
        if (ctf_u64(p, "parent", &u)) e->parent = u;
        if (ctf_u64(p, "dev", &u)) e->dev = u;
        if (ctf_u64(p, "ino", &u)) e->ino = u;
        if (ctf_u64(p, "mnt_id", &u)) e->mnt_id = u;
        if (ctf_u64(p, "nlookup", &u)) e->nlookup = u;
        if (ctf_u64(p, "other_nodeid", &u)) e->other_nodeid = u;
        if (ctf_i64(p, "io_mode", &i)) e->io_mode = (uint8_t)i;
        if (ctf_i64(p, "io_prev", &i)) e->io_prev = (uint8_t)i;
        if (ctf_i64(p, "io_why", &i)) e->io_why = (uint8_t)i;
        if (ctf_i64(p, "backing_id", &i)) e->backing_id = (int32_t)i;
        hdr(h, sizeof *h + sizeof *e + nl + (size_t)hl, REC_T_INODE, ts, unique, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:manifest")) {
        struct rec_manifest_rec *e = (struct rec_manifest_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        const char *nm = ctf_str(p, "name"), *tg = ctf_str(p, "link_target");
        size_t nl = nm ? strnlen(nm, REC_NAME_MAX) : 0;
        size_t tl = tg ? strnlen(tg, REC_NAME_MAX) : 0;
        uint8_t *q = (uint8_t *)(e + 1);
        if (nl)
            memcpy(q, nm, nl);
        if (tl)
            memcpy(q + nl, tg, tl);
        long dl = ctf_bytes(p, "data", q + nl + tl, TP_RAW_MAX);
        if (dl < 0)
            dl = 0;
        /* "" stands for NULL: neither a name nor a symlink target is ever empty. */
        e->has_name = nl != 0;
        e->has_target = tl != 0;
        e->name_len = (uint16_t)nl;
        e->target_len = (uint16_t)tl;
        e->data_len = (uint32_t)dl;
        if (ctf_u64(p, "nodeid", &u)) e->nodeid = u;
        if (ctf_u64(p, "parent", &u)) e->parent = u;
        if (ctf_u64(p, "dev", &u)) e->dev = u;
        if (ctf_u64(p, "ino", &u)) e->ino = u;
        if (ctf_u64(p, "size", &u)) e->size = u;
        if (ctf_u64(p, "rdev", &u)) e->rdev = u;
        if (ctf_u64(p, "nlink", &u)) e->nlink = u;
        if (ctf_u64(p, "mode", &u)) e->mode = (uint32_t)u;
        if (ctf_u64(p, "uid", &u)) e->uid = (uint32_t)u;
        if (ctf_u64(p, "gid", &u)) e->gid = (uint32_t)u;
        if (ctf_i64(p, "atime_ns", &i)) e->atime_ns = i;
        if (ctf_i64(p, "mtime_ns", &i)) e->mtime_ns = i;
        if (ctf_i64(p, "ctime_ns", &i)) e->ctime_ns = i;
        hdr(h, sizeof *h + sizeof *e + nl + tl + (size_t)dl, REC_T_MANIFEST, ts, unique,
            (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:fh")) {
        struct rec_fh_rec *e = (struct rec_fh_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        if (ctf_i64(p, "kind", &i)) e->kind = (uint8_t)i;
        if (ctf_u64(p, "created", &u)) e->created = (uint8_t)u;
        if (ctf_i64(p, "flags", &i)) e->flags = (int32_t)i;
        if (ctf_i64(p, "fd", &i)) e->fd = (int32_t)i;
        if (ctf_u64(p, "fh", &u)) e->fh = u;
        if (ctf_u64(p, "nodeid", &u)) e->nodeid = u;
        e->size = -1;
        if (ctf_i64(p, "io_mode", &i)) e->io_mode = (uint8_t)i;
        if (ctf_i64(p, "size", &i)) e->size = i;
        hdr(h, sizeof *h + sizeof *e, REC_T_FH, ts, unique, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:process")) {
        struct rec_proc_rec *e = (struct rec_proc_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        uint64_t pid = 0, ppid = 0, image = 0;
        int64_t start = -1;
        ctf_u64(p, "pid", &pid);
        ctf_u64(p, "ppid", &ppid);
        ctf_u64(p, "image_ts", &image);
        ctf_i64(p, "start_time", &start);
        /* The tracepoint writes "" for what /proc did not give (and the
         * identity thread never reports an empty name or command line). */
        const char *comm = ctf_str(p, "comm"), *cmd = ctf_str(p, "cmdline");
        size_t cl = comm ? strnlen(comm, REC_COMM_MAX) : 0;
        size_t ml = cmd ? strnlen(cmd, REC_CMDLINE_MAX) : 0;
        char *q = (char *)(e + 1);
        memcpy(q, comm ? comm : "", cl);
        memcpy(q + cl, cmd ? cmd : "", ml);
        e->tid = (uint32_t)tid;
        e->tgid = (uint32_t)pid;
        e->ppid = (uint32_t)ppid;
        e->image_ts = image;
        e->start_time = start;
        e->comm_len = (uint16_t)cl;
        e->cmdline_len = (uint16_t)ml;
        e->have_comm = cl != 0;
        e->have_cmdline = ml != 0;
        hdr(h, sizeof *h + sizeof *e + cl + ml, REC_T_PROC, ts, 0, 0);
        return h;
    }
    if (!strcmp(name, "fusetrace:process_event")) {
        struct rec_pevent_rec *e = (struct rec_pevent_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        uint64_t at = ts, pid = 0, tgid = 0, ppid = 0, ptgid = 0;
        int64_t kind = 0, status = 0;
        ctf_i64(p, "kind", &kind);
        ctf_u64(p, "ts_ns", &at);
        ctf_u64(p, "pid", &pid);
        ctf_u64(p, "tgid", &tgid);
        ctf_u64(p, "ppid", &ppid);
        ctf_u64(p, "ptgid", &ptgid);
        ctf_i64(p, "exit_status", &status);
        const char *comm = ctf_str(p, "comm");
        e->kind = (uint8_t)kind;
        e->pid = (uint32_t)pid;
        e->tgid = (uint32_t)tgid;
        e->ppid = (uint32_t)ppid;
        e->ptgid = (uint32_t)ptgid;
        e->exit_status = (int32_t)status;
        if (comm)
            strncpy(e->comm, comm, sizeof e->comm - 1);
        /* Stamped with the kernel's time of the event, as the ring record
         * is: the writer merges it by that time (see queue_record). */
        hdr(h, sizeof *h + sizeof *e, REC_T_PEVENT, at, 0, 0);
        return h;
    }
    if (!strcmp(name, "fusetrace:kernel")) {
        /* The kernel's own timestamp is a field: the event itself was
         * emitted later, by the tracefs reader. */
        struct rec_kernel_rec *e = (struct rec_kernel_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        uint64_t kts = ts, ctid = 0;
        ctf_u64(p, "ts", &kts);
        ctf_u64(p, "caller_tid", &ctid);
        if (ctf_u64(p, "kind", &u)) e->kind = (uint32_t)u;
        if (ctf_u64(p, "opcode", &u)) e->opcode = (uint32_t)u;
        if (ctf_u64(p, "len", &u)) e->len = (uint32_t)u;
        if (ctf_i64(p, "error", &i)) e->error = (int32_t)i;
        e->tid = (uint32_t)ctid;
        hdr(h, sizeof *h + sizeof *e, REC_T_KERNEL, kts, unique, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:kernel_state")) {
        struct rec_kernel_state_rec *e = (struct rec_kernel_state_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        const char *note = ctf_str(p, "note");
        size_t nl = note ? strnlen(note, REC_NOTE_MAX) : 0;
        if (nl)
            memcpy(e + 1, note, nl);
        if (ctf_u64(p, "on", &u)) e->on = (uint32_t)u;
        if (ctf_u64(p, "connection", &u)) e->connection = (uint32_t)u;
        e->note_len = (uint32_t)nl;
        hdr(h, sizeof *h + sizeof *e + nl, REC_T_KERNEL_STATE, ts, 0, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:kernel_loss")) {
        struct rec_kernel_loss_rec *e = (struct rec_kernel_loss_rec *)(h + 1);
        uint64_t kts = ts;
        ctf_u64(p, "ts", &kts);
        e->events = 0;
        ctf_u64(p, "events", &e->events);
        hdr(h, sizeof *h + sizeof *e, REC_T_KERNEL_LOSS, kts, 0, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:counter")) {
        struct rec_counter_rec *e = (struct rec_counter_rec *)(h + 1);
        const char *cn = ctf_str(p, "name");
        uint64_t kts = ts;
        ctf_u64(p, "ts", &kts);
        e->name = cn && *cn ? intern(m, cn) : NULL;
        if (!e->name)
            return NULL;
        e->value = 0;
        ctf_i64(p, "value", &e->value);
        hdr(h, sizeof *h + sizeof *e, REC_T_COUNTER, kts, 0, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:backing")) {
        struct rec_backing_rec *e = (struct rec_backing_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        const char *call = ctf_str(p, "call");
        e->call = call && *call ? intern(m, call) : NULL;
        if (call && *call && !e->call)
            return NULL;
        const char *nm = ctf_str(p, "name");
        size_t nl = nm ? strnlen(nm, REC_NAME_MAX) : 0;
        if (nl)
            memcpy(e + 1, nm, nl);
        e->name_len = (uint16_t)nl;
        e->has_name = nl != 0;
        if (ctf_i64(p, "fd", &i)) e->fd = i;
        if (ctf_i64(p, "arg", &i)) e->arg = i;
        if (ctf_i64(p, "result", &i)) e->result = i;
        if (ctf_i64(p, "err", &i)) e->err = (int32_t)i;
        if (ctf_u64(p, "start_ns", &u)) e->start_ns = u;
        if (ctf_u64(p, "end_ns", &u)) e->end_ns = u;
        hdr(h, sizeof *h + sizeof *e + nl, REC_T_BACKING, ts, unique, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:stall")) {
        struct rec_stall_rec *e = (struct rec_stall_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        const char *call = ctf_str(p, "call");
        e->call = call && *call ? intern(m, call) : NULL;
        if (call && *call && !e->call)
            return NULL;
        /* "" stands for NULL: none of these texts is ever empty. */
        static const size_t caps[4] = { REC_NAME_MAX, REC_NAME_MAX, REC_WCHAN_MAX, REC_STACK_MAX };
        static const char *const fields[4] = { "name", "fd_path", "wchan", "stack" };
        size_t lens[4], total = 0;
        char *q = (char *)(e + 1);
        for (int k = 0; k < 4; k++) {
            const char *t = ctf_str(p, fields[k]);
            lens[k] = t ? strnlen(t, caps[k]) : 0;
            if (lens[k])
                memcpy(q + total, t, lens[k]);
            total += lens[k];
        }
        e->name_len = (uint16_t)lens[0];
        e->path_len = (uint16_t)lens[1];
        e->wchan_len = (uint16_t)lens[2];
        e->stack_len = (uint32_t)lens[3];
        if (ctf_i64(p, "fd", &i)) e->fd = i;
        if (ctf_i64(p, "arg", &i)) e->arg = i;
        if (ctf_u64(p, "held_ns", &u)) e->held_ns = u;
        if (ctf_u64(p, "call_ns", &u)) e->call_ns = u;
        if (ctf_u64(p, "nodeid", &u)) e->nodeid = u;
        if (ctf_u64(p, "opcode", &u)) e->opcode = (uint32_t)u;
        if (ctf_u64(p, "pid", &u)) e->pid = (uint32_t)u;
        /* The event carries the recorder's own time of the report. */
        ctf_u64(p, "ts", &ts);
        hdr(h, sizeof *h + sizeof *e + total, REC_T_STALL, ts, unique, (uint32_t)tid);
        return h;
    }
    if (!strcmp(name, "fusetrace:stall_end")) {
        struct rec_stall_end_rec *e = (struct rec_stall_end_rec *)(h + 1);
        memset(e, 0, sizeof *e);
        if (ctf_u64(p, "reason", &u)) e->reason = (uint32_t)u;
        ctf_u64(p, "ts", &ts);
        hdr(h, sizeof *h + sizeof *e, REC_T_STALL_END, ts, unique, (uint32_t)tid);
        return h;
    }
    return NULL;
}

/* Records that describe the session rather than happen in it. */
static bool is_event(const struct rec_hdr *h)
{
    return h->type != REC_T_KERNEL_STATE && h->type != REC_T_KERNEL_LOSS;
}

static int store(struct imp *m, const struct rec_hdr *h)
{
    return import_sink_store(m->sink, h, m->err, m->errlen);
}

static bool q_less(const struct queued *a, const struct queued *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

/* Queue a copy of h (see REORDER_NS). */
static int queue_record(struct imp *m, const struct rec_hdr *h)
{
    if (m->nq == m->capq) {
        size_t nc = m->capq ? 2 * m->capq : 1024;
        struct queued *n = realloc(m->q, nc * sizeof *n);
        if (!n) {
            snprintf(m->err, m->errlen, "out of memory");
            return -1;
        }
        m->q = n;
        m->capq = nc;
    }
    struct rec_hdr *c = malloc(h->size);
    if (!c) {
        snprintf(m->err, m->errlen, "out of memory");
        return -1;
    }
    memcpy(c, h, h->size);
    size_t i = m->nq++;
    m->q[i] = (struct queued){ h->ts, m->seq++, c };
    while (i > 0 && q_less(&m->q[i], &m->q[(i - 1) / 2])) {
        struct queued t = m->q[i];
        m->q[i] = m->q[(i - 1) / 2];
        m->q[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

static struct rec_hdr *q_pop(struct imp *m)
{
    struct rec_hdr *top = m->q[0].rec;
    m->nq--;
    m->q[0] = m->q[m->nq];
    m->q[m->nq] = (struct queued){ 0 };   /* the vacated slot owns no record */
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->nq && q_less(&m->q[l], &m->q[s]))
            s = l;
        if (r < m->nq && q_less(&m->q[r], &m->q[s]))
            s = r;
        if (s == i)
            break;
        struct queued t = m->q[i];
        m->q[i] = m->q[s];
        m->q[s] = t;
        i = s;
    }
    return top;
}

/* Store the queued records older than `upto` (all: UINT64_MAX). */
static int flush_queue(struct imp *m, uint64_t upto)
{
    while (m->nq && m->q[0].ts < upto) {
        struct rec_hdr *h = q_pop(m);
        int rc = store(m, h);
        bool event = is_event(h);
        free(h);
        if (rc != 0)
            return -1;
        if (event)
            m->st->stored++;
    }
    return 0;
}

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

/* fusetrace:session phase 0: create the database. */
static int open_session(struct imp *m, const bt_event *ev, const bt_field *p)
{
    uint64_t rt = 0, mono = 0, pid = 0, cap = 0, drop = 0, snap = 0;
    ctf_u64(p, "start_realtime_ns", &rt);
    ctf_u64(p, "start_monotonic_ns", &mono);
    ctf_u64(p, "pid", &pid);
    ctf_u64(p, "capture_data", &cap);
    ctf_u64(p, "drop", &drop);
    ctf_u64(p, "snapshot_data", &snap);
    const char *uuid = ctf_str(p, "uuid");
    struct session_facts f = {
        .uuid = uuid ? uuid : "",
        .start_realtime_ns = (int64_t)rt,
        .start_monotonic_ns = (int64_t)mono,
        .pid = (int64_t)pid,
        /* Not in the session event: see replay/README.md. */
        .version = "unknown",
        .source = or_null(ctf_str(p, "source")),
        .mountpoint = or_null(ctf_str(p, "mountpoint")),
        .command = or_null(ctf_str(p, "command")),
        .options = or_null(ctf_str(p, "options")),
        .host = trace_env(ev, "hostname"),
        .capture_data = (int64_t)cap,
        .drop = (int64_t)drop,
        .lttng = 1,
        .ring_bytes = 0,
        .snapshot_data = (int64_t)snap,
    };
    /* Processes are described by fusetrace:process_event and
     * fusetrace:process events, as they were to the live recorder. */
    /* Each host's monotonic clock is its own: LTTng records its offset to
     * the host's wall clock in the trace's clock class, and that is what
     * orders the events of several hosts by wall time. */
    const bt_clock_class *cc = bt_stream_class_borrow_default_clock_class_const(
        bt_stream_borrow_class_const(bt_event_borrow_stream_const(ev)));
    if (cc && bt_clock_class_origin_is_unix_epoch(cc)) {
        int64_t sec;
        uint64_t cycles, freq = bt_clock_class_get_frequency(cc);
        bt_clock_class_get_offset(cc, &sec, &cycles);
        f.have_clock_offset = freq > 0;
        f.clock_offset_ns = sec * 1000000000LL
                          + (int64_t)((long double)cycles * 1e9L / (long double)(freq ? freq : 1));
    }
    m->sink = import_sink_create(m->o->db_path, &f, (size_t)cap, m->err, m->errlen);
    if (!m->sink)
        return -1;
    m->start_mono = mono;
    m->capture = (size_t)cap;
    m->pid = pid;
    m->have = true;
    snprintf(m->st->uuid, sizeof m->st->uuid, "%s", f.uuid);
    /* Held-back events of this session, in order. */
    for (size_t k = 0; k < m->nheld; k++) {
        struct held *x = &m->held[k];
        if (!x->vpid || x->vpid == pid) {
            if (queue_record(m, x->rec) != 0)
                return -1;
        } else {
            m->st->skipped++;
        }
        free(x->rec);
        x->rec = NULL;
    }
    m->nheld = 0;
    return 0;
}

static int on_event(void *ctx, const bt_event *ev, uint64_t ts)
{
    struct imp *m = ctx;
    /* A file import stops at the event after a stop signal and fails: its
     * unfinished database is then removed (import_sink_close).  A live
     * import is stopped by its reader instead, keeping what arrived. */
    if (!m->o->live_url && m->o->stop && *m->o->stop) {
        const char *sig = sigabbrev_np(*m->o->stop);
        snprintf(m->err, m->errlen, "interrupted by SIG%s: the unfinished database is removed",
                 sig ? sig : "?");
        return -1;
    }
    const char *name = bt_event_class_get_name(bt_event_borrow_class_const(ev));
    if (!name || strncmp(name, "fusetrace:", 10) != 0) {
        m->st->skipped++;
        return 0;
    }
    const bt_field *p = bt_event_borrow_payload_field_const(ev);
    uint64_t vpid = event_vpid(ev);
    m->st->events++;

    if (!strcmp(name, "fusetrace:session")) {
        int64_t phase = -1;
        ctf_i64(p, "phase", &phase);
        const char *uuid = ctf_str(p, "uuid");
        uint64_t pid = 0;
        ctf_u64(p, "pid", &pid);
        bool mine = m->have ? (uuid && !strcmp(uuid, m->st->uuid))
                            : (!m->o->session_uuid || (uuid && !strcmp(uuid, m->o->session_uuid)));
        if (phase == 0 && mine && !m->have)
            return open_session(m, ev, p);
        if (phase == 1 && mine && m->have) {
            m->closed = true;
            m->close_ts = ts;
            const char *s = ctf_str(p, "status");
            snprintf(m->status, sizeof m->status, "%s", s ? s : "");
            const char *cause = ctf_str(p, "end_cause");
            snprintf(m->end_cause, sizeof m->end_cause, "%s", cause ? cause : "");
            /* live: the session's end is the end of the reading */
            return m->o->live_url ? 1 : 0;
        }
        if (phase == 1 && !m->have && m->o->live_url) {
            snprintf(m->err, m->errlen, "%s: attached after the session started (its start "
                     "was not received): start the live import before the host records, or "
                     "import the relay's copy afterwards", m->o->live_url);
            return -1;
        }
        if (phase == 0 && !mine && uuid && m->nothers < 16) {
            snprintf(m->others[m->nothers].uuid, sizeof m->others[0].uuid, "%s", uuid);
            m->others[m->nothers++].pid = pid;
        }
        m->st->skipped++;
        return 0;
    }

    struct rec_hdr *h = convert(m, name, p, ts);
    if (!h) {
        m->st->skipped++;
        return 0;
    }
    if (!m->have) {
        if (m->o->live_url && m->nheld >= LIVE_HELD_MAX) {
            snprintf(m->err, m->errlen, "%s: %zu events and no session start: attached after "
                     "the session started (start the live import before the host records, or "
                     "import the relay's copy afterwards)", m->o->live_url, m->nheld);
            return -1;
        }
        if (m->nheld == m->capheld) {
            size_t nc = m->capheld ? 2 * m->capheld : 256;
            struct held *n = realloc(m->held, nc * sizeof *n);
            if (!n) {
                snprintf(m->err, m->errlen, "out of memory");
                return -1;
            }
            m->held = n;
            m->capheld = nc;
        }
        struct rec_hdr *c = malloc(h->size);
        if (!c) {
            snprintf(m->err, m->errlen, "out of memory");
            return -1;
        }
        memcpy(c, h, h->size);
        m->held[m->nheld++] = (struct held){ vpid, c };
        return 0;
    }
    if ((vpid && vpid != m->pid) || m->closed) {
        m->st->skipped++;
        return 0;
    }
    if (h->type == REC_T_REQUEST)
        m->st->requests++;
    else if (h->type == REC_T_REPLY)
        m->st->replies++;
    if (queue_record(m, h) != 0)
        return -1;
    return ts > REORDER_NS ? flush_queue(m, ts - REORDER_NS) : 0;
}

/* Live: the trace's time went on without events (the relay's inactivity
 * beacon, about once per live-timer period): store what the reorder window
 * no longer needs to hold, or a paused session's last records would wait
 * for its next event. */
static int on_progress(void *ctx, uint64_t ts)
{
    struct imp *m = ctx;
    if (!m->have || m->closed || ts <= REORDER_NS)
        return 0;
    return flush_queue(m, ts - REORDER_NS);
}

static int on_idle(void *ctx)
{
    struct imp *m = ctx;
    return m->have ? import_sink_flush(m->sink, m->err, m->errlen) : 0;
}

static int on_discarded(void *ctx, uint64_t count, uint64_t ts)
{
    struct imp *m = ctx;
    m->st->discarded += count;
    if (!m->have)
        return 0;
    return import_sink_loss(m->sink, ts ? ts : m->start_mono, count, m->err, m->errlen);
}

int import_lttng(const struct import_opts *o, struct import_stats *st, char *err, size_t errlen)
{
    struct imp m = { .o = o, .st = st, .err = err, .errlen = errlen };
    memset(st, 0, sizeof *st);
    err[0] = 0;
    int ret = -1;
    m.buf = malloc(REC_BUF);
    if (!m.buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Refuse an existing output before reading anything (import_sink_create
     * would too, but only once the session event is reached). */
    if (access(o->db_path, F_OK) == 0) {
        snprintf(err, errlen, "refusing to overwrite existing file %s", o->db_path);
        free(m.buf);
        return -1;
    }
    struct ctf_callbacks cb = { .ctx = &m, .event = on_event, .discarded = on_discarded,
                                .idle = on_idle, .progress = on_progress };
    char why[512] = "";
    /* live: what was stored before the stream failed or was stopped is
     * kept, marked incomplete with the reason */
    char live_cut[600] = "";
    if (o->live_url) {
        int rc = ctf_read_live(o->live_url, &cb, o->stop, why, sizeof why);
        if (err[0])
            goto out;          /* our own failure (database, memory, attach too late) */
        if (rc != 0 && !m.have) {
            snprintf(err, errlen, "%s", rc > 0 ? "stopped before the session started" : why);
            goto out;
        }
        if (rc > 0)
            snprintf(live_cut, sizeof live_cut, "the live import was stopped before the "
                     "session ended");
        else if (rc < 0)
            snprintf(live_cut, sizeof live_cut, "the live stream was cut before the session "
                     "ended: %s", why);
    } else if (ctf_read(o->trace_dir, &cb, why, sizeof why) != 0) {
        if (!err[0])
            snprintf(err, errlen, "%s", why);
        goto out;
    }
    const char *source = o->live_url ? o->live_url : o->trace_dir;
    if (!m.have) {
        if (o->session_uuid)
            set_err(&m, "%s: no fusetrace session %s in this trace", source, o->session_uuid);
        else
            set_err(&m, "%s: no fusetrace:session event: not a trace of the fusetrace provider%s",
                    source, m.nheld ? " (or its start was not traced)" : "");
        goto out;
    }
    if (m.nothers && !o->session_uuid) {
        char list[1024] = "";
        size_t n = 0;
        for (int k = 0; k < m.nothers && n < sizeof list; k++)
            n += (size_t)snprintf(list + n, sizeof list - n, " %s (pid %" PRIu64 ")",
                                  m.others[k].uuid, m.others[k].pid);
        snprintf(err, errlen, "%s holds more than one fusetrace session: %s (pid %" PRIu64 ")%s; "
                 "choose one with --session UUID", source, st->uuid, m.pid, list);
        goto out;
    }
    if (flush_queue(&m, UINT64_MAX) != 0)
        goto out;
    uint64_t lost = import_sink_lost(m.sink);
    char reason[700] = "";
    bool complete = m.closed && !strcmp(m.status, "complete") && lost == 0 && !live_cut[0];
    if (live_cut[0])
        snprintf(reason, sizeof reason, "%s", live_cut);
    else if (!m.closed)
        snprintf(reason, sizeof reason, "the LTTng trace has no end-of-session event "
                 "(the recorder was killed, the trace was stopped early, or its stream "
                 "to a relay was cut)");
    else if (lost && lost > st->discarded && st->discarded)
        snprintf(reason, sizeof reason, "%" PRIu64 " events discarded by LTTng and %" PRIu64
                 " kernel events lost (tracefs buffer full)", st->discarded, lost - st->discarded);
    else if (lost && lost > st->discarded)
        snprintf(reason, sizeof reason, "%" PRIu64 " kernel events lost (tracefs buffer full)",
                 lost);
    else if (lost)
        snprintf(reason, sizeof reason, "%" PRIu64 " events discarded by LTTng", lost);
    else if (strcmp(m.status, "complete"))
        snprintf(reason, sizeof reason, "the recorder ended the session as '%s'", m.status);
    int64_t end_ts = m.closed ? (int64_t)(m.close_ts - m.start_mono) : -1;
    const char *cause = m.closed && !lost && m.end_cause[0] ? m.end_cause : NULL;
    if (import_sink_finish(m.sink, complete, reason, cause, end_ts, err, errlen) != 0)
        goto out;
    snprintf(st->status, sizeof st->status, "%s", complete ? "complete" : "incomplete");
    ret = 0;
out:
    import_sink_close(m.sink, ret != 0);
    for (size_t k = 0; k < m.nheld; k++)
        free(m.held[k].rec);
    free(m.held);
    for (size_t k = 0; k < m.nq; k++)
        free(m.q[k].rec);
    free(m.q);
    while (m.calls) {
        struct call_name *n = m.calls->next;
        free(m.calls);
        m.calls = n;
    }
    free(m.buf);
    return ret;
}
