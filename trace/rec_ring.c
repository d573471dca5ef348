/* rec_ring.c — ring table, claiming and reservation.  See rec_ring.h. */
#include "trace/rec_ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

struct rec_ring rec_rings[REC_MAX_RINGS];
_Atomic int rec_ring_count;

/* Serialises claims: they happen once per thread per recording. */
static pthread_mutex_t claim_mu = PTHREAD_MUTEX_INITIALIZER;
/* Generations below this were released: a late claim for one of them (a
 * thread that passed its `accepting` check just before recorder_close)
 * must not allocate a buffer nobody will free. */
static uint64_t retired_below;

void ring_geometry(size_t want, size_t *cap, size_t *max_rec)
{
    size_t c = 4096;
    while (c < want && c < ((size_t)1 << 40))
        c <<= 1;
    *cap = c;
    /* A quarter of the ring keeps several large records in flight; 1 MiB
     * covers the biggest READDIRPLUS reply (max_pages = 256). */
    size_t m = c / 4;
    if (m > ((size_t)1 << 20) + 4096)
        m = ((size_t)1 << 20) + 4096;
    *max_rec = m;
}

/* One inaccessible page on each side of a ring buffer. */
#define RING_GUARD 4096

/* `bytes` rounded up to whole pages.  cap + max_rec is a whole number of
 * pages for rings of 16 KiB and more; smaller ones get padding (buf_alloc). */
static size_t buf_pages(size_t bytes)
{
    return (bytes + RING_GUARD - 1) & ~(size_t)(RING_GUARD - 1);
}

static uint8_t *buf_alloc(size_t bytes)
{
    /* mmap: pages are only backed once the ring cycles through them, so an
     * idle thread's ring costs address space, not memory.  The guard pages:
     * a record written past either end faults at once instead of corrupting
     * a neighbouring mapping, and the kernel cannot merge the ring with an
     * adjacent anonymous mapping, so /proc/PID/smaps shows each ring, and
     * its resident size, as a mapping of its own (of exactly `bytes` when
     * that is a whole number of pages).  When it is not (4 and 8 KiB
     * rings), the padding goes before the buffer: a record that overruns
     * its reservation runs forward, so the end stays flush with the guard
     * (a write before the start lands in the padding, still our own). */
    size_t mapped = buf_pages(bytes);
    uint8_t *p = mmap(NULL, mapped + 2 * RING_GUARD, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (mprotect(p + RING_GUARD, mapped, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, mapped + 2 * RING_GUARD);
        return NULL;
    }
    return p + RING_GUARD + (mapped - bytes);
}

static void buf_free(uint8_t *buf, size_t bytes)
{
    size_t mapped = buf_pages(bytes);
    munmap(buf - (mapped - bytes) - RING_GUARD, mapped + 2 * RING_GUARD);
}

struct rec_ring *ring_claim(uint64_t gen, size_t cap, size_t max_rec, uint32_t tid)
{
    struct rec_ring *got = NULL;

    if (pthread_mutex_lock(&claim_mu) != 0)
        return NULL;
    if (gen < retired_below) {
        pthread_mutex_unlock(&claim_mu);
        return NULL;
    }
    int n = atomic_load(&rec_ring_count);
    /* Prefer a ring of this recording whose thread exited: threads of
     * libfuse's multithreaded loop come and go, and their rings must not
     * pile up.  Its records need not be drained yet: the new owner simply
     * continues after them (the claim lock orders its view of `head` after
     * the old owner's last publish), and the writer keeps consuming. */
    for (int i = 0; i < n && !got; i++) {
        struct rec_ring *r = &rec_rings[i];
        int st = atomic_load(&r->state);
        if ((st == RING_FREE || st == RING_DEAD) && atomic_load(&r->gen) == gen)
            got = r;
    }
    for (int i = 0; i < REC_MAX_RINGS && !got; i++) {
        struct rec_ring *r = &rec_rings[i];
        if (atomic_load(&r->state) != RING_UNUSED)
            continue;
        r->buf = buf_alloc(cap + max_rec);
        if (!r->buf)
            break;
        r->cap = cap;
        r->max_rec = max_rec;
        atomic_store(&r->head, 0);
        atomic_store(&r->tail, 0);
        atomic_store(&r->seen, 0);
        atomic_store(&r->lost, 0);
        atomic_store(&r->req_seen, 0);
        atomic_store(&r->rep_seen, 0);
        r->lost_logged = 0;
        got = r;
        if (i >= n)
            atomic_store(&rec_ring_count, i + 1);
    }
    if (got) {
        got->tid = tid;
        atomic_store(&got->pending, 0);
        atomic_store(&got->gen, gen);
        atomic_store(&got->state, RING_OWNED);
    }
    pthread_mutex_unlock(&claim_mu);
    return got;
}

void *ring_reserve(struct rec_ring *r, size_t size, bool wait)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    unsigned spins = 0;

    for (;;) {
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head + size - tail <= r->cap)
            break;
        if (!wait)
            return NULL;
        /* Back-pressure: yield first (the writer may be on the other CPU
         * and about to free space), then sleep briefly so a long stall
         * does not burn a core. */
        if (++spins < 64) {
            sched_yield();
        } else {
            struct timespec ts = { 0, 50 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    return r->buf + (head & (r->cap - 1));
}

void ring_abandon(struct rec_ring *r, uint64_t gen)
{
    if (pthread_mutex_lock(&claim_mu) != 0)
        return;
    int owned = RING_OWNED;
    if (atomic_load(&r->gen) == gen)
        atomic_compare_exchange_strong(&r->state, &owned, RING_DEAD);
    pthread_mutex_unlock(&claim_mu);
}

void ring_release_all(uint64_t gen)
{
    if (pthread_mutex_lock(&claim_mu) != 0)
        return;
    retired_below = gen + 1;
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++) {
        struct rec_ring *r = &rec_rings[i];
        if (r->buf)
            buf_free(r->buf, r->cap + r->max_rec);
        r->buf = NULL;
        /* Counters belong to the recording that just ended. */
        atomic_store(&r->seen, 0);
        atomic_store(&r->lost, 0);
        atomic_store(&r->req_seen, 0);
        atomic_store(&r->rep_seen, 0);
        atomic_store(&r->state, RING_UNUSED);
    }
    pthread_mutex_unlock(&claim_mu);
}
