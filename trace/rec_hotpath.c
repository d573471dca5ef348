/* rec_hotpath.c — the recorder functions the shim calls on FUSE worker
 * threads.
 *
 * Cost model: when recording is off, each function is one predictable
 * branch (the shim also guards with rec_enabled()).  When on, an event is a
 * clock read, an atomic increment/decrement of the ring's busy count
 * (fencing against recorder_close), a copy of the header and argument bytes
 * into the thread's own ring, and a release store.  Nothing is decoded,
 * formatted or locked here; all of that happens on the writer thread.
 */
#include "trace/recorder.h"

#include <linux/fuse.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "trace/fusetrace_tp.h"
#include "trace/rec_event.h"
#include "trace/rec_ring.h"
#include "trace/rec_state.h"
#include "wire/wire_decode.h"

/* A reply whose request this thread did not read (another thread answered,
 * or the request came before recording began) might be file data; keep no
 * more than a readlink target's worth of it. */
#define UNKNOWN_REPLY_KEEP (sizeof(struct fuse_out_header) + 4096)

struct rec_global rec_g;

struct thread_state {
    struct rec_ring *ring;
    uint64_t gen;
    uint32_t tid;
    uint64_t cur_unique;       /* attribution for semantic events */
    uint64_t last_unique;      /* last request read on this thread ... */
    uint32_t last_opcode;      /* ... and its opcode, to size its reply */
    uint8_t *scratch;          /* LTTng-only gather buffer */
    bool key_set;
};
static _Thread_local struct thread_state tl;

static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static bool exit_key_ok;

static void make_exit_key(void)
{
    exit_key_ok = pthread_key_create(&exit_key, rec_thread_exit) == 0;
}

uint64_t rec_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t rec_current_unique(void) { return tl.cur_unique; }
void rec_set_current_unique(uint64_t unique) { tl.cur_unique = unique; }

void rec_set_process_clock(uint64_t (*complete_upto)(void))
{
    atomic_store(&rec_g.process_clock, complete_upto);
}

static uint32_t my_tid(void)
{
    if (!tl.tid)
        tl.tid = (uint32_t)syscall(SYS_gettid);
    return tl.tid;
}

void rec_thread_exit(void *unused)
{
    (void)unused;
    if (tl.ring) {
        ring_abandon(tl.ring, tl.gen);
    }
    tl.ring = NULL;
    free(tl.scratch);
    tl.scratch = NULL;
}

/* The ring of this thread, claiming one if needed; NULL without one (the
 * loss is counted when `count_loss`). */
static struct rec_ring *own_ring(uint64_t gen, bool count_loss)
{
    struct rec_ring *r = tl.ring;

    if (!r || tl.gen != gen) {
        if (r)                 /* a ring of an earlier recording: nothing pending there */
            atomic_store_explicit(&r->pending, 0, memory_order_release);
        if (!atomic_load(&rec_g.accepting))
            return NULL;
        r = ring_claim(gen, rec_g.ring_cap, rec_g.max_rec, my_tid());
        tl.ring = r;
        tl.gen = gen;
        if (!r) {
            if (count_loss) {
                atomic_fetch_add_explicit(&rec_g.noring_seen, 1, memory_order_relaxed);
                atomic_fetch_add_explicit(&rec_g.noring_lost, 1, memory_order_relaxed);
            }
            return NULL;
        }
        if (!tl.key_set) {
            pthread_once(&exit_once, make_exit_key);
            if (exit_key_ok)
                tl.key_set = pthread_setspecific(exit_key, &tl) == 0;
        }
    }
    return r;
}

/* Enter the ring of this thread, claiming one if needed, and raise its
 * `busy`.  Returns NULL when the event must be skipped (recording closing)
 * — already counted if it had to be dropped for lack of a ring. */
static struct rec_ring *enter_ring(void)
{
    uint64_t gen = atomic_load_explicit(&rec_g.gen, memory_order_acquire);
    struct rec_ring *r = own_ring(gen, true);
    if (!r)
        return NULL;
    /* Dekker with recorder_close(): it clears `accepting` then waits for
     * busy == 0; we raise busy then check `accepting`.  Both sides use
     * sequentially consistent operations, so one of us sees the other.
     * The same increment announces to the writer that a record may be on
     * its way (rec_ring.h, `pending`). */
    atomic_fetch_add(&r->busy, 1);
    if (!atomic_load(&rec_g.accepting) || atomic_load_explicit(&r->gen, memory_order_relaxed) != gen) {
        atomic_fetch_sub(&r->busy, 1);
        return NULL;
    }
    return r;
}

/* Enter the ring for a record that carries a time of its own (a process
 * event's kernel time, the watchdog's): the writer must not wait for it as
 * for a record being stamped. */
static struct rec_ring *enter(void)
{
    struct rec_ring *r = enter_ring();
    if (r)
        atomic_store_explicit(&r->pending, REC_PENDING_UNSTAMPED, memory_order_release);
    return r;
}

/* Enter the ring (when there is a sink) and stamp the event: one ring
 * lookup, and the clock is read after the seq_cst increment of `busy`, so
 * a writer that read its own clock before it saw busy == 0 cannot be
 * passed by this record (rec_writer.c, drain).  The stamp is then
 * published in `pending` until the record is.  Without a ring there is no
 * clock read (*ts = 0): only the ring record carries fusetrace's stamp,
 * an LTTng event carries LTTng's own. */
static struct rec_ring *enter_stamped(uint64_t *ts)
{
    struct rec_ring *r = rec_g.sink ? enter_ring() : NULL;
    *ts = 0;
    if (r) {
        *ts = rec_now_ns();
        atomic_store_explicit(&r->pending, *ts, memory_order_release);
    }
    return r;
}

/* The record is published (or dropped): nothing pending on this ring. */
static inline void leave(struct rec_ring *r)
{
    atomic_store_explicit(&r->pending, 0, memory_order_release);
    atomic_fetch_sub_explicit(&r->busy, 1, memory_order_release);
}

static inline size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Reserve a record; counts it as seen, and as lost if there is no room. */
static struct rec_hdr *reserve(struct rec_ring *r, size_t size)
{
    ring_count(&r->seen);
    struct rec_hdr *h = ring_reserve(r, size, !rec_g.drop);
    if (!h)
        ring_count(&r->lost);
    return h;
}

static void fill_hdr(struct rec_hdr *h, size_t size, uint8_t type, uint64_t ts,
                     uint64_t unique)
{
    h->size = (uint32_t)size;
    h->type = type;
    h->flags = 0;
    h->hint = 0;
    h->tid = my_tid();
    h->orig_len = 0;
    h->ts = ts;
    h->unique = unique;
}

/* ---- wire ------------------------------------------------------------------ */

static void wire_request(const void *buf, size_t len, uint32_t tap_edits);

void rec_wire_request(const void *buf, size_t len) { wire_request(buf, len, 0); }
void rec_wire_request_edited(const void *buf, size_t len, uint32_t tap_edits)
{
    wire_request(buf, len, tap_edits);
}

static void wire_request(const void *buf, size_t len, uint32_t tap_edits)
{
    struct fuse_in_header ih;
    bool have_hdr = buf && len >= sizeof ih;

    if (have_hdr) {
        memcpy(&ih, buf, sizeof ih);
        tl.cur_unique = ih.unique;
        tl.last_unique = ih.unique;
        tl.last_opcode = ih.opcode;
    }
    if (!rec_enabled() || !buf)
        return;
    size_t keep = wire_request_keep(buf, len, rec_g.capture);
    uint64_t ts;
    struct rec_ring *r = enter_stamped(&ts);

    /* Nothing here waits before the request is in the ring but the ring
     * itself (lossless back-pressure): the tracepoint never waits in the
     * channels fusetrace sets up (--discard, no blocking timeout), and fired
     * before the ring push it keeps the LTTng timestamp within microseconds
     * of `ts` (the import is compared with the direct recording by time). */
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, request)) {
        struct tp_wire w = {
            .unique = have_hdr ? ih.unique : 0,
            .nodeid = have_hdr ? ih.nodeid : 0,
            .opcode = have_hdr ? ih.opcode : 0,
            .uid = have_hdr ? ih.uid : 0,
            .gid = have_hdr ? ih.gid : 0,
            .pid = have_hdr ? ih.pid : 0,
            .tid = my_tid(),
            .len = (uint32_t)len,
            .raw_len = (uint32_t)(keep < TP_RAW_MAX ? keep : TP_RAW_MAX),
            .raw = buf,
            .tap_edits = tap_edits,
        };
        w.truncated = w.raw_len < keep;
        lttng_ust_do_tracepoint(fusetrace, request, &w);
    }
    if (!r)
        return;
    ring_count(&r->req_seen);
    size_t room = r->max_rec - sizeof(struct rec_hdr) - sizeof(struct rec_wire);
    uint8_t flags = 0;
    if (keep > room) {
        keep = room;
        flags = REC_F_TRUNCATED;
    }
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_wire) + keep);
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_REQUEST, ts, have_hdr ? ih.unique : 0);
        h->flags = flags;
        h->orig_len = (uint32_t)len;
        struct rec_wire *w = (struct rec_wire *)(h + 1);
        w->wire_len = (uint32_t)keep;
        w->tap_edits = tap_edits;
        memcpy(w + 1, buf, keep);
        ring_commit(r, size);
    }
    leave(r);
}

/* Copy `n` bytes from the start of an iovec array. */
static size_t gather(const struct iovec *iov, int count, uint8_t *dst, size_t n)
{
    size_t got = 0;
    for (int i = 0; i < count && got < n; i++) {
        size_t take = iov[i].iov_len < n - got ? iov[i].iov_len : n - got;
        if (take)
            memcpy(dst + got, iov[i].iov_base, take);
        got += take;
    }
    return got;
}

static void tp_reply(const struct fuse_out_header *oh, uint32_t opcode, size_t total,
                     const struct iovec *iov, int count, const uint8_t *contig,
                     size_t keep, uint32_t tap_edits)
{
    struct tp_wire w = {
        .tap_edits = tap_edits,
        .unique = oh->unique,
        .opcode = opcode,
        .error = oh->error,
        .tid = my_tid(),
        .len = (uint32_t)total,
        .raw_len = (uint32_t)(keep < TP_RAW_MAX ? keep : TP_RAW_MAX),
    };
    w.truncated = w.raw_len < total;
    if (contig) {
        w.raw = contig;
    } else if (count >= 1 && iov[0].iov_len >= w.raw_len) {
        w.raw = iov[0].iov_base;
    } else {
        uint8_t small[512];
        if (w.raw_len <= sizeof small) {
            gather(iov, count, small, w.raw_len);
            w.raw = small;
            lttng_ust_do_tracepoint(fusetrace, reply, &w);
            return;
        }
        if (!tl.scratch)
            tl.scratch = malloc(TP_RAW_MAX);
        if (!tl.scratch)
            w.raw_len = (uint32_t)gather(iov, count, small, sizeof small);
        else
            gather(iov, count, tl.scratch, w.raw_len);
        w.raw = tl.scratch ? tl.scratch : small;
    }
    lttng_ust_do_tracepoint(fusetrace, reply, &w);
}

void rec_wire_reply(const struct iovec *iov, int count, uint32_t tap_edits)
{
    if (!rec_enabled() || !iov || count <= 0)
        return;
    uint64_t ts;
    struct rec_ring *r = enter_stamped(&ts);
    size_t total = 0;
    for (int i = 0; i < count; i++)
        total += iov[i].iov_len;

    struct fuse_out_header oh;
    memset(&oh, 0, sizeof oh);
    gather(iov, count, (uint8_t *)&oh, sizeof oh);

    /* How much to keep: everything except file data. */
    uint32_t opcode = 0;
    size_t keep;
    if (oh.unique == 0) {
        keep = oh.error == FUSE_NOTIFY_STORE
             ? sizeof oh + sizeof(struct fuse_notify_store_out) + rec_g.capture
             : total;
    } else {
        if (oh.unique == tl.last_unique)
            opcode = tl.last_opcode;
        else if (oh.unique & WIRE_INT_REQ_BIT)
            opcode = FUSE_INTERRUPT;
        if (opcode == FUSE_READ)
            keep = sizeof oh + rec_g.capture;
        else if (opcode)
            keep = total;
        else
            keep = UNKNOWN_REPLY_KEEP;
    }
    if (keep > total)
        keep = total;

    bool traced = false;
    if (r) {
        ring_count(&r->rep_seen);
        size_t room = r->max_rec - sizeof(struct rec_hdr) - sizeof(struct rec_wire);
        size_t k = keep < room ? keep : room;
        size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_wire) + k);
        struct rec_hdr *h = reserve(r, size);
        if (h) {
            fill_hdr(h, size, REC_T_REPLY, ts, oh.unique);
            h->flags = k < keep ? REC_F_TRUNCATED : 0;
            h->hint = (uint16_t)(opcode <= 0xffff ? opcode : 0);
            h->orig_len = (uint32_t)total;
            struct rec_wire *w = (struct rec_wire *)(h + 1);
            w->wire_len = (uint32_t)k;
            w->tap_edits = tap_edits;
            gather(iov, count, (uint8_t *)(w + 1), k);
            if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, reply)) {
                tp_reply(&oh, opcode, total, iov, count, (uint8_t *)(w + 1), k, tap_edits);
                traced = true;
            }
            ring_commit(r, size);
        }
        leave(r);
    }
    if (!traced && rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, reply))
        tp_reply(&oh, opcode, total, iov, count, NULL, keep, tap_edits);
}

/* ---- semantic events --------------------------------------------------------- */

static size_t bounded_strlen(const char *s, size_t max)
{
    return s ? strnlen(s, max) : 0;
}

void rec_inode(const struct rec_inode_event *e)
{
    if (!rec_enabled() || !e)
        return;
    uint64_t ts;
    struct rec_ring *r = enter_stamped(&ts);
    uint64_t unique = tl.cur_unique;
    size_t name_len = bounded_strlen(e->name, REC_NAME_MAX);
    size_t handle_len = e->handle ? (e->handle_len < REC_HANDLE_MAX ? e->handle_len : REC_HANDLE_MAX) : 0;

    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, inode)) {
        struct tp_inode t = {
            .unique = unique, .nodeid = e->nodeid, .parent = e->parent,
            .dev = e->dev, .ino = e->ino, .mnt_id = e->mnt_id,
            .nlookup = e->nlookup, .other_nodeid = e->other_nodeid,
            .delta = e->delta, .kind = e->kind, .cause = e->cause,
            .err = e->err, .fd = e->fd, .handle_type = e->handle_type,
            .tid = my_tid(), .name = e->name ? e->name : "",
            .handle = e->handle, .handle_len = (uint32_t)handle_len,
            .io_mode = e->io_mode, .io_prev = e->io_prev, .io_why = e->io_why,
            .backing_id = e->backing_id,
        };
        lttng_ust_do_tracepoint(fusetrace, inode, &t);
    }
    if (!r)
        return;
    size_t room = r->max_rec - sizeof(struct rec_hdr) - sizeof(struct rec_inode_rec) - handle_len;
    if (name_len > room)
        name_len = room;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_inode_rec) + name_len + handle_len);
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_INODE, ts, unique);
        struct rec_inode_rec *p = (struct rec_inode_rec *)(h + 1);
        *p = (struct rec_inode_rec){
            .kind = (uint8_t)e->kind, .cause = (uint8_t)e->cause,
            .name_len = (uint16_t)name_len, .handle_len = (uint16_t)handle_len,
            .has_name = e->name != NULL, .err = e->err, .fd = e->fd,
            .handle_type = e->handle_type, .nodeid = e->nodeid,
            .parent = e->parent, .dev = e->dev, .ino = e->ino,
            .mnt_id = e->mnt_id, .nlookup = e->nlookup,
            .other_nodeid = e->other_nodeid, .delta = e->delta,
            .backing_id = e->backing_id, .io_mode = (uint8_t)e->io_mode,
            .io_prev = (uint8_t)e->io_prev, .io_why = (uint8_t)e->io_why,
        };
        uint8_t *q = (uint8_t *)(p + 1);
        if (name_len)
            memcpy(q, e->name, name_len);
        if (handle_len)
            memcpy(q + name_len, e->handle, handle_len);
        ring_commit(r, size);
    }
    leave(r);
}

void rec_fh(const struct rec_fh_event *e)
{
    if (!rec_enabled() || !e)
        return;
    uint64_t ts;
    struct rec_ring *r = enter_stamped(&ts);
    uint64_t unique = tl.cur_unique;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, fh)) {
        struct tp_fh t = {
            .unique = unique, .fh = e->fh, .nodeid = e->nodeid,
            .kind = e->kind, .flags = e->flags, .fd = e->fd,
            .tid = my_tid(), .created = e->created,
            .io_mode = e->io_mode, .size = e->size,
        };
        lttng_ust_do_tracepoint(fusetrace, fh, &t);
    }
    if (!r)
        return;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_fh_rec));
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_FH, ts, unique);
        struct rec_fh_rec *p = (struct rec_fh_rec *)(h + 1);
        *p = (struct rec_fh_rec){
            .kind = (uint8_t)e->kind, .created = e->created,
            .flags = e->flags, .fd = e->fd, .fh = e->fh, .nodeid = e->nodeid,
            .io_mode = (uint8_t)e->io_mode, .size = e->size,
        };
        ring_commit(r, size);
    }
    leave(r);
}

void rec_backing(const struct rec_backing_event *e)
{
    if (!rec_enabled() || !e)
        return;
    uint64_t ts;
    struct rec_ring *r = enter_stamped(&ts);
    uint64_t unique = tl.cur_unique;
    size_t name_len = bounded_strlen(e->name, REC_NAME_MAX);
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, backing)) {
        struct tp_backing t = {
            .unique = unique, .start_ns = e->start_ns, .end_ns = e->end_ns,
            .fd = e->fd, .arg = e->arg, .result = e->result, .err = e->err,
            .tid = my_tid(), .call = e->call ? e->call : "",
            .name = e->name ? e->name : "",
        };
        lttng_ust_do_tracepoint(fusetrace, backing, &t);
    }
    if (!r)
        return;
    size_t room = r->max_rec - sizeof(struct rec_hdr) - sizeof(struct rec_backing_rec);
    if (name_len > room)
        name_len = room;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_backing_rec) + name_len);
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_BACKING, ts, unique);
        struct rec_backing_rec *p = (struct rec_backing_rec *)(h + 1);
        *p = (struct rec_backing_rec){
            .call = e->call, .fd = e->fd, .arg = e->arg, .result = e->result,
            .start_ns = e->start_ns, .end_ns = e->end_ns, .err = e->err,
            .name_len = (uint16_t)name_len, .has_name = e->name != NULL,
        };
        if (name_len)
            memcpy(p + 1, e->name, name_len);
        ring_commit(r, size);
    }
    leave(r);
}

static int64_t ts_ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

void rec_manifest(const struct rec_manifest_event *e)
{
    if (!rec_enabled() || !e || !e->st)
        return;
    uint64_t ts;
    struct rec_ring *r = enter_stamped(&ts);
    uint64_t unique = tl.cur_unique;
    const struct stat *st = e->st;
    size_t name_len = bounded_strlen(e->name, REC_NAME_MAX);
    size_t target_len = bounded_strlen(e->link_target, REC_NAME_MAX);
    size_t data_len = e->data ? e->data_len : 0;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, manifest)) {
        struct tp_manifest t = {
            .unique = unique, .nodeid = e->nodeid, .parent = e->parent,
            .dev = st->st_dev, .ino = st->st_ino, .size = (uint64_t)st->st_size,
            .rdev = st->st_rdev, .nlink = st->st_nlink,
            .atime_ns = ts_ns(&st->st_atim), .mtime_ns = ts_ns(&st->st_mtim),
            .ctime_ns = ts_ns(&st->st_ctim),
            .mode = st->st_mode, .uid = st->st_uid, .gid = st->st_gid,
            .tid = my_tid(), .name = e->name ? e->name : "",
            .link_target = e->link_target ? e->link_target : "",
            .data = e->data,
            .data_len = (uint32_t)(data_len < TP_RAW_MAX ? data_len : TP_RAW_MAX),
        };
        lttng_ust_do_tracepoint(fusetrace, manifest, &t);
    }
    if (!r)
        return;
    /* A name or target longer than a record can hold is cut (only a tiny
     * --ring-size gets there); so is the snapshot data. */
    size_t fixed = sizeof(struct rec_hdr) + sizeof(struct rec_manifest_rec);
    size_t room = r->max_rec > fixed ? r->max_rec - fixed : 0;
    if (name_len > room)
        name_len = room;
    room -= name_len;
    if (target_len > room)
        target_len = room;
    room -= target_len;
    if (data_len > room)
        data_len = room;
    size_t size = align8(fixed + name_len + target_len + data_len);
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_MANIFEST, ts, unique);
        struct rec_manifest_rec *p = (struct rec_manifest_rec *)(h + 1);
        *p = (struct rec_manifest_rec){
            .nodeid = e->nodeid, .parent = e->parent, .dev = st->st_dev,
            .ino = st->st_ino, .size = (uint64_t)st->st_size, .rdev = st->st_rdev,
            .nlink = st->st_nlink, .atime_ns = ts_ns(&st->st_atim),
            .mtime_ns = ts_ns(&st->st_mtim), .ctime_ns = ts_ns(&st->st_ctim),
            .mode = st->st_mode, .uid = st->st_uid, .gid = st->st_gid,
            .data_len = (uint32_t)data_len, .name_len = (uint16_t)name_len,
            .target_len = (uint16_t)target_len, .has_name = e->name != NULL,
            .has_target = e->link_target != NULL,
        };
        uint8_t *q = (uint8_t *)(p + 1);
        if (name_len)
            memcpy(q, e->name, name_len);
        if (target_len)
            memcpy(q + name_len, e->link_target, target_len);
        if (data_len)
            memcpy(q + name_len + target_len, e->data, data_len);
        ring_commit(r, size);
    }
    leave(r);
}

/* ---- processes ------------------------------------------------------------- */

void rec_proc_event(const struct rec_proc_event *e)
{
    if (!rec_enabled() || !e)
        return;
    char comm[16];
    memcpy(comm, e->comm, sizeof comm);
    comm[sizeof comm - 1] = 0;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, process_event)) {
        struct tp_process_event t = {
            .kind = e->kind, .ts_ns = e->ts, .pid = e->pid, .tgid = e->tgid,
            .ppid = e->ppid, .ptgid = e->ptgid, .exit_status = e->exit_status,
            .comm = e->kind == REC_PROC_COMM ? comm : "",
        };
        lttng_ust_do_tracepoint(fusetrace, process_event, &t);
    }
    if (!rec_g.sink)
        return;
    struct rec_ring *r = enter();
    if (!r)
        return;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_pevent_rec));
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_PEVENT, e->ts, 0);
        struct rec_pevent_rec *p = (struct rec_pevent_rec *)(h + 1);
        *p = (struct rec_pevent_rec){
            .kind = (uint8_t)e->kind, .exit_status = e->exit_status,
            .pid = e->pid, .tgid = e->tgid, .ppid = e->ppid, .ptgid = e->ptgid,
        };
        if (e->kind == REC_PROC_COMM)
            memcpy(p->comm, comm, sizeof comm);
        ring_commit(r, size);
    }
    leave(r);
}

void rec_proc_identity(const struct rec_proc_identity *id)
{
    if (!rec_enabled() || !id)
        return;
    uint64_t ts;
    struct rec_ring *r = enter_stamped(&ts);
    size_t comm_len = id->comm ? bounded_strlen(id->comm, REC_COMM_MAX) : 0;
    size_t cmd_len = id->cmdline ? bounded_strlen(id->cmdline, REC_CMDLINE_MAX) : 0;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, process)) {
        struct tp_process t = {
            .tid = id->tid, .tgid = id->tgid, .ppid = id->ppid, .image_ts = id->image_ts,
            .start_time = id->start_time,
            .comm = id->comm ? id->comm : "", .cmdline = id->cmdline ? id->cmdline : "",
        };
        lttng_ust_do_tracepoint(fusetrace, process, &t);
    }
    if (!r)
        return;
    /* A command line longer than a ring record allows is cut. */
    size_t fixed = sizeof(struct rec_hdr) + sizeof(struct rec_proc_rec) + comm_len + 8;
    if (fixed + cmd_len > r->max_rec)
        cmd_len = r->max_rec > fixed ? r->max_rec - fixed : 0;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_proc_rec) + comm_len + cmd_len);
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_PROC, ts, 0);
        struct rec_proc_rec *p = (struct rec_proc_rec *)(h + 1);
        *p = (struct rec_proc_rec){
            .start_time = id->start_time, .image_ts = id->image_ts,
            .tid = id->tid, .tgid = id->tgid, .ppid = id->ppid,
            .comm_len = (uint16_t)comm_len, .cmdline_len = (uint16_t)cmd_len,
            .have_comm = id->comm != NULL, .have_cmdline = id->cmdline != NULL,
        };
        if (comm_len)
            memcpy(p + 1, id->comm, comm_len);
        if (cmd_len)
            memcpy((char *)(p + 1) + comm_len, id->cmdline, cmd_len);
        ring_commit(r, size);
    }
    leave(r);
}

/* ---- the stall watchdog's events (its own thread, not the hot path) ------------- */

const char *rec_stall_end_name(enum rec_stall_end_reason reason)
{
    switch (reason) {
    case REC_STALL_REPLY:       return "reply";
    case REC_STALL_NO_REPLY:    return "no_reply";
    case REC_STALL_SESSION_END: return "session_end";
    }
    return "?";
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

void rec_stall(const struct rec_stall_event *e)
{
    if (!rec_enabled() || !e)
        return;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, stall)) {
        struct tp_stall t = {
            .ts = e->ts, .unique = e->unique, .nodeid = e->nodeid, .held_ns = e->held_ns,
            .call_ns = e->call_ns, .fd = e->fd, .arg = e->arg, .tid = e->tid,
            .opcode = e->opcode, .pid = e->pid, .call = or_empty(e->call),
            .name = or_empty(e->name), .fd_path = or_empty(e->fd_path),
            .wchan = or_empty(e->wchan), .stack = or_empty(e->stack),
        };
        lttng_ust_do_tracepoint(fusetrace, stall, &t);
    }
    if (!rec_g.sink)
        return;
    struct rec_ring *r = enter();
    if (!r)
        return;
    /* A small --ring-size cuts the texts, the kernel stack first. */
    size_t lens[4] = {
        bounded_strlen(e->name, REC_NAME_MAX), bounded_strlen(e->fd_path, REC_NAME_MAX),
        bounded_strlen(e->wchan, REC_WCHAN_MAX), bounded_strlen(e->stack, REC_STACK_MAX),
    };
    const char *texts[4] = { e->name, e->fd_path, e->wchan, e->stack };
    size_t fixed = sizeof(struct rec_hdr) + sizeof(struct rec_stall_rec);
    size_t room = r->max_rec > fixed + 8 ? r->max_rec - fixed - 8 : 0;
    size_t total = 0;
    for (int i = 0; i < 4; i++)
        total += lens[i];
    for (int i = 3; i >= 0 && total > room; i--) {
        size_t cut = total - room < lens[i] ? total - room : lens[i];
        lens[i] -= cut;
        total -= cut;
    }
    size_t size = align8(fixed + total);
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_STALL, e->ts, e->unique);
        h->tid = e->tid;
        struct rec_stall_rec *p = (struct rec_stall_rec *)(h + 1);
        *p = (struct rec_stall_rec){
            .call = e->call, .fd = e->fd, .arg = e->arg, .held_ns = e->held_ns,
            .call_ns = e->call_ns, .nodeid = e->nodeid, .opcode = e->opcode, .pid = e->pid,
            .name_len = (uint16_t)lens[0], .path_len = (uint16_t)lens[1],
            .wchan_len = (uint16_t)lens[2], .stack_len = (uint32_t)lens[3],
        };
        char *q = (char *)(p + 1);
        for (int i = 0; i < 4; i++) {
            if (lens[i])
                memcpy(q, texts[i], lens[i]);
            q += lens[i];
        }
        ring_commit(r, size);
    }
    leave(r);
}

void rec_stall_end(uint64_t unique, uint32_t tid, enum rec_stall_end_reason reason, uint64_t ts)
{
    if (!rec_enabled())
        return;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, stall_end)) {
        struct tp_stall_end t = { .ts = ts, .unique = unique, .tid = tid, .reason = reason };
        lttng_ust_do_tracepoint(fusetrace, stall_end, &t);
    }
    if (!rec_g.sink)
        return;
    struct rec_ring *r = enter();
    if (!r)
        return;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_stall_end_rec));
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_STALL_END, ts, unique);
        h->tid = tid;
        struct rec_stall_end_rec *p = (struct rec_stall_end_rec *)(h + 1);
        *p = (struct rec_stall_end_rec){ .reason = reason };
        ring_commit(r, size);
    }
    leave(r);
}

/* ---- the kernel's side (the tracefs reader's thread, not the hot path) ------ */

void rec_kernel(const struct rec_kernel_event *e)
{
    if (!rec_enabled() || !e)
        return;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, kernel)) {
        struct tp_kernel t = {
            .ts = e->ts, .unique = e->unique, .kind = e->kind, .opcode = e->opcode,
            .len = e->len, .error = e->error, .caller_tid = e->tid, .tid = my_tid(),
        };
        lttng_ust_do_tracepoint(fusetrace, kernel, &t);
    }
    if (!rec_g.sink)
        return;
    struct rec_ring *r = enter();
    if (!r)
        return;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_kernel_rec));
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_KERNEL, e->ts, e->unique);
        struct rec_kernel_rec *p = (struct rec_kernel_rec *)(h + 1);
        *p = (struct rec_kernel_rec){
            .kind = e->kind, .opcode = e->opcode, .len = e->len, .error = e->error,
            .tid = e->tid,
        };
        ring_commit(r, size);
    }
    leave(r);
}

void rec_kernel_lost(uint64_t events, uint64_t ts)
{
    if (!rec_enabled() || !events)
        return;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, kernel_loss)) {
        struct tp_kernel_loss t = { .ts = ts, .events = events, .tid = my_tid() };
        lttng_ust_do_tracepoint(fusetrace, kernel_loss, &t);
    }
    if (!rec_g.sink)
        return;
    /* Counted here, where no ring can lose it; the record only places a
     * `loss` row in time. */
    atomic_fetch_add(&rec_g.kernel_lost, events);
    struct rec_ring *r = enter();
    if (!r)
        return;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_kernel_loss_rec));
    struct rec_hdr *h = ring_reserve(r, size, !rec_g.drop);
    if (h) {
        fill_hdr(h, size, REC_T_KERNEL_LOSS, ts, 0);
        ((struct rec_kernel_loss_rec *)(h + 1))->events = events;
        ring_commit(r, size);
    }
    leave(r);
}

void rec_kernel_state(bool on, uint32_t connection, const char *note)
{
    if (!rec_enabled())
        return;
    size_t note_len = bounded_strlen(note, REC_NOTE_MAX);
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, kernel_state)) {
        struct tp_kernel_state t = { .on = on, .connection = connection,
                                     .note = note ? note : "" };
        lttng_ust_do_tracepoint(fusetrace, kernel_state, &t);
    }
    if (!rec_g.sink)
        return;
    struct rec_ring *r = enter();
    if (!r)
        return;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_kernel_state_rec) + note_len);
    /* Not an event: a fact about the session, like a process identity. */
    struct rec_hdr *h = ring_reserve(r, size, true);
    if (h) {
        fill_hdr(h, size, REC_T_KERNEL_STATE, rec_now_ns(), 0);
        struct rec_kernel_state_rec *p = (struct rec_kernel_state_rec *)(h + 1);
        *p = (struct rec_kernel_state_rec){ .on = on, .connection = connection,
                                            .note_len = (uint32_t)note_len };
        if (note_len)
            memcpy(p + 1, note, note_len);
        ring_commit(r, size);
    }
    leave(r);
}

void rec_counter(const char *name, uint64_t ts, int64_t value)
{
    if (!rec_enabled() || !name)
        return;
    if (rec_g.lttng && lttng_ust_tracepoint_enabled(fusetrace, counter)) {
        struct tp_counter t = { .ts = ts, .name = name, .value = value, .tid = my_tid() };
        lttng_ust_do_tracepoint(fusetrace, counter, &t);
    }
    if (!rec_g.sink)
        return;
    struct rec_ring *r = enter();
    if (!r)
        return;
    size_t size = align8(sizeof(struct rec_hdr) + sizeof(struct rec_counter_rec));
    struct rec_hdr *h = reserve(r, size);
    if (h) {
        fill_hdr(h, size, REC_T_COUNTER, ts, 0);
        *(struct rec_counter_rec *)(h + 1) = (struct rec_counter_rec){ .name = name, .value = value };
        ring_commit(r, size);
    }
    leave(r);
}
