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
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trace/rec_event.h"
#include "trace/rec_ingest.h"
#include "trace/rec_ring.h"
#include "trace/rec_state.h"
#include "trace/recorder.h"

#define DRAIN_BUDGET 4096
/* The longest a record waits for the process events that may explain it
 * (rec_set_process_clock): the connector's thread is normally behind by
 * microseconds; under a storm of process events elsewhere on the machine
 * it may fall further behind, and then attribution is best effort rather
 * than the recording late. */
#define PROCESS_HOLD_NS 250000000ULL

struct writer {
    pthread_t th;
    _Atomic int stop;
    struct sink *sink;
    uint64_t start_mono;
    struct ingest *ing;        /* decoding and row binding (rec_ingest.h) */

    bool failed;
    char reason[256];


    uint64_t pending;          /* events in the open transaction */
    uint64_t committed;        /* events durably stored */
    uint64_t sink_lost;        /* events lost to a database failure */
    uint64_t txn_start;
    uint64_t last_ts;

    uint64_t process_upto;     /* process events before this are in the rings */
    bool final;                /* producers are gone: take everything */
};

static int64_t rel(const struct writer *w, uint64_t ts)
{
    return (int64_t)(ts - w->start_mono);
}

/* Records that describe the session rather than happen in it: not counted
 * as events. */
static bool is_event(const struct rec_hdr *h)
{
    return h->type != REC_T_KERNEL_STATE && h->type != REC_T_KERNEL_LOSS;
}

/* ---- counters --------------------------------------------------------------- */

static void counters(const struct writer *w, struct sink_counters *c)
{
    memset(c, 0, sizeof *c);
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++) {
        struct rec_ring *r = &rec_rings[i];
        if (atomic_load(&r->state) == RING_UNUSED)
            continue;          /* counters are zero, or a claim in progress */
        c->seen += atomic_load_explicit(&r->seen, memory_order_relaxed);
        c->lost += atomic_load_explicit(&r->lost, memory_order_relaxed);
        c->req_seen += atomic_load_explicit(&r->req_seen, memory_order_relaxed);
        c->rep_seen += atomic_load_explicit(&r->rep_seen, memory_order_relaxed);
    }
    c->seen += atomic_load(&rec_g.noring_seen);
    c->lost += atomic_load(&rec_g.noring_lost) + w->sink_lost;
    /* Kernel events the kernel's buffer lost never reached a ring: they
     * were offered (by the kernel) and lost. */
    c->kernel_lost = atomic_load(&rec_g.kernel_lost);
    c->seen += c->kernel_lost;
    c->lost += c->kernel_lost;
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

static void process(struct writer *w, const struct rec_hdr *h)
{
    w->last_ts = h->ts;
    if (!w->sink || w->failed) {
        if (is_event(h))
            w->sink_lost++;
        return;
    }
    if (!w->sink->in_txn) {
        if (sink_begin(w->sink) != SQLITE_OK) {
            if (is_event(h))
                w->pending++;
            fail(w, "starting a transaction");
            return;
        }
        w->txn_start = rec_now_ns();
    }
    if (is_event(h))
        w->pending++;
    if (ingest_store(w->ing, h) != SQLITE_OK) {
        const char *what;
        switch (h->type) {
        case REC_T_PROC:     what = "storing a process identity"; break;
        case REC_T_PEVENT:   what = "storing a process event"; break;
        case REC_T_REQUEST:  what = "storing a request"; break;
        case REC_T_REPLY:    what = "storing a reply"; break;
        case REC_T_INODE:    what = "storing an inode event"; break;
        case REC_T_FH:       what = "storing an fh event"; break;
        case REC_T_BACKING:  what = "storing a backing call"; break;
        case REC_T_MANIFEST: what = "storing a manifest entry"; break;
        case REC_T_STALL:    what = "storing a stall"; break;
        case REC_T_STALL_END: what = "storing the end of a stall"; break;
        case REC_T_KERNEL:   what = "storing a kernel event"; break;
        case REC_T_KERNEL_STATE: what = "storing the recorded sides"; break;
        case REC_T_KERNEL_LOSS: what = "storing a kernel loss record"; break;
        case REC_T_COUNTER:  what = "storing a counter sample"; break;
        default:             what = "storing a record"; break;
        }
        fail(w, what);
    }
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
    if (ingest_loss_row(w->ing, w->last_ts ? w->last_ts : w->start_mono, r->tid, delta)
        != SQLITE_OK)
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

/* Whether a record of time ts may be stored now: the process events
 * before it have reached the rings, or it has waited long enough. */
static bool may_take(struct writer *w, uint64_t ts)
{
    uint64_t (*clock)(void) = atomic_load_explicit(&rec_g.process_clock, memory_order_acquire);
    if (w->final || !clock || ts <= w->process_upto)
        return true;
    w->process_upto = clock();
    if (ts <= w->process_upto)
        return true;
    uint64_t now = rec_now_ns();
    return now > ts && now - ts > PROCESS_HOLD_NS;
}

static size_t drain(struct writer *w, size_t budget)
{
    size_t done = 0;
    while (done < budget) {
        /* Records are taken in time order across the rings, and only below
         * `barrier`: the earliest time a producer has stamped but not yet
         * published (rec_ring.h, `pending`), or now.  A producer whose
         * `busy` we read as 0 raises it after that read, and reads the clock
         * after raising it, so after `now`; one we see busy without a stamp
         * may be reading the clock: wait for it.  One whose record we see
         * as published was cleared after publishing.  So nothing published
         * later can be earlier than what is taken.  (Process events carry
         * the kernel's earlier time and are held back by may_take
         * instead.) */
        uint64_t barrier = w->final ? UINT64_MAX : rec_now_ns();
        bool stamping = false;
        int n = atomic_load(&rec_ring_count);
        int best = -1;
        uint64_t best_ts = UINT64_MAX, second_ts = UINT64_MAX;
        for (int i = 0; i < n; i++) {
            struct rec_ring *r = &rec_rings[i];
            if (!ring_live(r))
                continue;
            int busy = atomic_load(&r->busy);         /* seq_cst, after `now` */
            uint64_t p = atomic_load(&r->pending);    /* seq_cst, before head */
            if (busy > 0 && p == 0)
                stamping = true;
            else if (p && p < barrier)
                barrier = p;
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
        if (best < 0 || (stamping && !w->final) || best_ts >= barrier || !may_take(w, best_ts))
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
        } while (t != hd && done < budget && peek(r, t)->ts <= second_ts &&
                 peek(r, t)->ts < barrier && may_take(w, peek(r, t)->ts));
        atomic_store_explicit(&r->tail, t, memory_order_release);
        log_loss(w, r);
    }
    return done;
}

/* Whether every ring is empty.  A pass can take nothing while records wait
 * (a producer between its stamp and its publish holds back what is later):
 * the writer must not take its long sleep then. */
static bool rings_empty(void)
{
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++) {
        struct rec_ring *r = &rec_rings[i];
        if (ring_live(r) && ring_has_records(r))
            return false;
    }
    return true;
}

/* Rings of exited threads become reusable once empty. */
static void reap(void)
{
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++) {
        struct rec_ring *r = &rec_rings[i];
        int dead = RING_DEAD;
        if (atomic_load(&r->state) == RING_DEAD && !ring_has_records(r))
            atomic_compare_exchange_strong(&r->state, &dead, RING_FREE);
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    pthread_setname_np(pthread_self(), "ft-writer");
    uint64_t slept = WRITER_IDLE_NS, woke = rec_now_ns();
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
            w->final = true;
            while (drain(w, DRAIN_BUDGET))
                ;
            break;
        }
        slept = writer_idle_ns(rec_g.ring_cap, rec_now_ns() - woke, slept, rings_empty());
        struct timespec ts = { 0, (long)slept };
        nanosleep(&ts, NULL);
        woke = rec_now_ns();
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
    w->ing = ingest_new(sink, start_mono, capture);
    if (!w->ing) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = pthread_create(&w->th, NULL, writer_main, w);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the writer thread: %s", strerror(rc));
        ingest_free(w->ing);
        free(w);
        return NULL;
    }
    return w;
}

void writer_stop(struct writer *w, const char *end_cause, struct writer_result *res)
{
    struct sink_counters c;
    char why[512] = "";

    memset(res, 0, sizeof *res);
    atomic_store(&w->stop, 1);
    pthread_join(w->th, NULL);

    if (w->sink && !w->failed && w->sink->in_txn)
        commit(w);
    counters(w, &c);
    uint64_t dropped = c.lost - w->sink_lost - c.kernel_lost;
    if (!w->failed && dropped && c.kernel_lost)
        snprintf(w->reason, sizeof w->reason,
                 "%" PRIu64 " events dropped (ring full in drop mode) and %" PRIu64
                 " kernel events lost (tracefs buffer full)", dropped, c.kernel_lost);
    else if (!w->failed && dropped)
        snprintf(w->reason, sizeof w->reason,
                 "%" PRIu64 " events dropped (ring full in drop mode)", dropped);
    else if (!w->failed && c.kernel_lost)
        snprintf(w->reason, sizeof w->reason,
                 "%" PRIu64 " kernel events lost (tracefs buffer full)", c.kernel_lost);
    if (!w->failed && end_cause && w->sink) {
        /* the cause first; a drop count already there follows it */
        char had[sizeof w->reason];
        memcpy(had, w->reason, sizeof had);
        sink_end_reason(w->sink, end_cause, w->reason, sizeof w->reason);
        size_t len = strlen(w->reason);
        if (had[0])
            snprintf(w->reason + len, sizeof w->reason - len, "; %s", had);
    }
    if (w->failed) {
        /* Say how much the failure cost, in the row and on stderr. */
        size_t len = strlen(w->reason);
        snprintf(w->reason + len, sizeof w->reason - len, "; %" PRIu64 " events lost", c.lost);
    }
    if (w->sink && !w->failed) {
        bool complete = c.lost == 0 && !end_cause;
        if (sink_finish(w->sink, &c, complete, complete ? NULL : w->reason,
                        rel(w, rec_now_ns()), why, sizeof why) != SQLITE_OK) {
            w->failed = true;
            snprintf(w->reason, sizeof w->reason, "database write failed while %.200s", why);
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

    ingest_free(w->ing);
    free(w);
}
