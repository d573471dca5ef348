/* rec_ring.h — per-thread single-producer/single-consumer byte rings.
 *
 * Each producing thread owns one ring for the length of a recording; the
 * writer thread is the only consumer of all of them.  A producer never
 * takes a lock to publish: it reserves contiguous space, fills it and
 * releases `head`.  Records never wrap: the buffer has `max_rec` bytes of
 * slack after `cap`, so a record that starts near the end simply runs into
 * the slack and the consumer reads it contiguously.
 *
 * Ring control blocks live in a static table and are never freed, so a
 * thread holding a stale pointer across recorder_close()/recorder_open()
 * touches valid memory; it then sees the generation mismatch and backs off.
 * Only the data buffers come and go with a recording.
 */
#ifndef FUSETRACE_TRACE_REC_RING_H
#define FUSETRACE_TRACE_REC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_MAX_RINGS 1024

/* `pending` of a producer pushing a record that carries a time of its own
 * (not read from the clock now): nothing for the writer to wait for. */
#define REC_PENDING_UNSTAMPED UINT64_MAX

enum ring_state {
    RING_UNUSED = 0,           /* no buffer */
    RING_OWNED,                /* a live thread produces into it */
    RING_DEAD,                 /* owner exited: drain, then RING_FREE */
    RING_FREE,                 /* drained, buffer kept for the next thread */
};

struct rec_ring {
    /* producer side */
    _Alignas(64) _Atomic uint64_t head;     /* bytes published */
    _Atomic uint64_t seen;                  /* events offered */
    _Atomic uint64_t lost;                  /* events dropped (drop mode / oversize) */
    _Atomic uint64_t req_seen;              /* wire requests offered */
    _Atomic uint64_t rep_seen;              /* wire replies/notifications offered */
    _Atomic int busy;                       /* producers inside a push (see recorder.c) */
    /* The time stamped on the record this ring's producer is pushing and
     * has not published yet; 0 when none (or, while `busy` is raised, while
     * it reads the clock), REC_PENDING_UNSTAMPED for a record with a time of
     * its own.  The writer merges the rings by time: a record of another
     * ring later than this one must wait until it lands, or two events one
     * lock put in order (a REF and the FORGET after it) are stored the other
     * way round.  Invariant: the producer raises `busy` (seq_cst) before it
     * reads the clock and clears `pending` before it lowers `busy`, so
     * busy > 0 with pending == 0 means "a stamp may be being taken". */
    _Atomic uint64_t pending;
    /* consumer side */
    _Alignas(64) _Atomic uint64_t tail;     /* bytes consumed */
    uint64_t lost_logged;                   /* writer: lost count already in `loss` */
    /* set at claim time, read by both */
    _Alignas(64) _Atomic int state;         /* enum ring_state */
    _Atomic uint64_t gen;                   /* recording generation of the owner */
    uint32_t tid;
    size_t cap;                             /* power of two */
    size_t max_rec;                         /* largest record, = slack */
    uint8_t *buf;                           /* cap + max_rec bytes */
};

/* The table; rings[0 .. ring_count) have been used at least once. */
extern struct rec_ring rec_rings[REC_MAX_RINGS];
extern _Atomic int rec_ring_count;

/* Size a ring: capacity rounded up to a power of two (at least 4 KiB) and
 * the largest record it accepts. */
void ring_geometry(size_t want, size_t *cap, size_t *max_rec);

/* Give the calling thread a ring for generation `gen` (a drained FREE ring
 * if there is one, else a new buffer).  NULL when the table is full or the
 * buffer cannot be allocated. */
struct rec_ring *ring_claim(uint64_t gen, size_t cap, size_t max_rec, uint32_t tid);

/* Reserve `size` bytes (multiple of 8, <= max_rec).  Waits for space when
 * `wait` is set; otherwise returns NULL when full. */
void *ring_reserve(struct rec_ring *r, size_t size, bool wait);
static inline void ring_commit(struct rec_ring *r, size_t size)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    atomic_store_explicit(&r->head, h + size, memory_order_release);
}

/* Whether published records wait for the writer (head != tail).  The
 * acquire on head pairs with ring_commit's release: records seen here are
 * complete. */
static inline bool ring_has_records(struct rec_ring *r)
{
    return atomic_load_explicit(&r->tail, memory_order_relaxed)
           != atomic_load_explicit(&r->head, memory_order_acquire);
}

/* Owner-only counter bump: a plain load/store pair, no locked instruction. */
static inline void ring_count(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* The owner thread exits: mark its ring DEAD so the writer drains and then
 * recycles it.  Done under the claim lock, so the ring cannot be released or
 * re-claimed concurrently; a ring of another generation is left alone. */
void ring_abandon(struct rec_ring *r, uint64_t gen);

/* Release every buffer and reset the counters (after the writer stopped and
 * producers are out); generation `gen` and older can no longer claim. */
void ring_release_all(uint64_t gen);

#endif
