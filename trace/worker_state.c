/* worker_state.c — see worker_state.h. */
#include "trace/worker_state.h"

#include <linux/fuse.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "trace/recorder.h"

bool worker_watching;
_Thread_local struct worker_slot *worker_self;

static struct worker_slot slots[WORKER_SLOTS];
static _Atomic int slots_used;
static _Atomic uint64_t unwatched;
static pthread_mutex_t claim_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static bool key_ok;
/* A thread that found no slot does not ask again. */
static _Thread_local bool no_slot;

static void release_slot(void *arg)
{
    struct worker_slot *s = arg;
    /* A thread cancelled inside a backing call never left it.  `stalled`
     * and its reply stamp stay: a lock waiter exits right after replying,
     * and the watchdog reads the stamp later (and clears it). */
    atomic_store(&s->call, NULL);
    atomic_store(&s->unique, 0);
    atomic_store(&s->tid, 0);
    worker_self = NULL;
}

static void make_key(void)
{
    key_ok = pthread_key_create(&exit_key, release_slot) == 0;
}

void worker_watch(void)
{
    pthread_once(&key_once, make_key);
    worker_watching = key_ok;
}

uint64_t worker_unwatched(void)
{
    return atomic_load(&unwatched);
}

/* The calling thread's slot, claimed on first use; NULL when not watching
 * or the table is full. */
static struct worker_slot *self_slot(void)
{
    if (worker_self || !worker_watching || no_slot)
        return worker_self;
    struct worker_slot *got = NULL;
    pthread_mutex_lock(&claim_mu);
    for (int i = 0; i < WORKER_SLOTS && !got; i++) {
        if (atomic_load(&slots[i].tid) != 0)
            continue;
        got = &slots[i];
        if (i >= atomic_load(&slots_used))
            atomic_store(&slots_used, i + 1);
    }
    if (got) {
        atomic_store(&got->call, NULL);
        atomic_store(&got->unique, 0);
        atomic_store(&got->tid, (uint32_t)syscall(SYS_gettid));
    }
    pthread_mutex_unlock(&claim_mu);
    if (!got || pthread_setspecific(exit_key, got) != 0) {
        if (got)
            atomic_store(&got->tid, 0);
        no_slot = true;
        atomic_fetch_add(&unwatched, 1);
        return NULL;
    }
    worker_self = got;
    return got;
}

/* ---- the serving threads ------------------------------------------------------ */

void worker_idle(void)
{
    struct worker_slot *s = worker_self;
    if (s)
        atomic_store_explicit(&s->unique, 0, memory_order_release);
}

static void hold(struct worker_slot *s, const struct worker_req *r)
{
    atomic_store_explicit(&s->since, r->since, memory_order_relaxed);
    atomic_store_explicit(&s->nodeid, r->nodeid, memory_order_relaxed);
    atomic_store_explicit(&s->opcode, r->opcode, memory_order_relaxed);
    atomic_store_explicit(&s->pid, r->pid, memory_order_relaxed);
    /* Last, releasing the fields above to a reader that sees the unique. */
    atomic_store_explicit(&s->unique, r->unique, memory_order_release);
}

void worker_take(const void *buf, size_t len)
{
    if (!worker_watching)
        return;
    struct fuse_in_header ih;
    if (!buf || len < sizeof ih)
        return;
    struct worker_slot *s = self_slot();
    if (!s)
        return;
    memcpy(&ih, buf, sizeof ih);
    struct worker_req r = { .unique = ih.unique, .since = rec_now_ns(), .nodeid = ih.nodeid,
                            .opcode = ih.opcode, .pid = ih.pid };
    hold(s, &r);
}

/* Slot s has written the reply to `unique`. */
static void replied(struct worker_slot *s, uint64_t unique)
{
    /* Clear, then look for the watchdog's mark: the watchdog marks, then
     * looks whether the request is still held.  Both sequentially
     * consistent, so if it saw the request held when it reported the
     * stall, this sees the mark and stamps the reply. */
    if (atomic_load_explicit(&s->unique, memory_order_relaxed) == unique)
        atomic_store(&s->unique, 0);
    if (atomic_load(&s->stalled) == unique)
        atomic_store_explicit(&s->stall_reply_ns, rec_now_ns(), memory_order_release);
}

void worker_replied(const struct iovec *iov, int count)
{
    struct worker_slot *s = worker_self;
    struct fuse_out_header oh;
    if (!s || !iov || count < 1 || iov[0].iov_len < sizeof oh)
        return;
    memcpy(&oh, iov[0].iov_base, sizeof oh);
    if (oh.unique == 0)
        return;                /* a notification */
    replied(s, oh.unique);
}

void worker_replied_held(void)
{
    struct worker_slot *s = worker_self;
    if (!s)
        return;
    uint64_t unique = atomic_load_explicit(&s->unique, memory_order_relaxed);
    if (unique != 0)
        replied(s, unique);
}

void worker_current(struct worker_req *out)
{
    memset(out, 0, sizeof *out);
    out->unique = rec_current_unique();
    struct worker_slot *s = worker_self;
    if (s && atomic_load_explicit(&s->unique, memory_order_relaxed) == out->unique) {
        out->since = atomic_load_explicit(&s->since, memory_order_relaxed);
        out->nodeid = atomic_load_explicit(&s->nodeid, memory_order_relaxed);
        out->opcode = atomic_load_explicit(&s->opcode, memory_order_relaxed);
        out->pid = atomic_load_explicit(&s->pid, memory_order_relaxed);
    } else if (worker_watching) {
        out->since = rec_now_ns();
    }
}

void worker_adopt(const struct worker_req *r)
{
    rec_set_current_unique(r->unique);
    struct worker_slot *s = self_slot();
    if (s)
        hold(s, r);
}

/* ---- the watchdog ---------------------------------------------------------------- */

int worker_slot_count(void)
{
    return atomic_load(&slots_used);
}

/* Copy `len` bytes at `addr` of this process without faulting: EFAULT if
 * the memory is gone.  Reading our own memory needs no permission (the
 * kernel skips the ptrace check for its own mm) and takes only our own
 * mmap lock for reading, which no caller of the mount can hold. */
static bool copy_own(void *dst, const void *addr, size_t len)
{
    struct iovec local = { dst, len };
    struct iovec remote = { (void *)(uintptr_t)addr, len };
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len;
}

bool worker_snapshot(int i, struct worker_snap *out)
{
    if (i < 0 || i >= WORKER_SLOTS)
        return false;
    struct worker_slot *s = &slots[i];
    memset(out, 0, sizeof *out);
    out->tid = atomic_load(&s->tid);
    if (!out->tid)
        return false;
    out->req.unique = atomic_load_explicit(&s->unique, memory_order_acquire);
    out->req.since = atomic_load_explicit(&s->since, memory_order_relaxed);
    out->req.nodeid = atomic_load_explicit(&s->nodeid, memory_order_relaxed);
    out->req.opcode = atomic_load_explicit(&s->opcode, memory_order_relaxed);
    out->req.pid = atomic_load_explicit(&s->pid, memory_order_relaxed);
    const struct worker_call *c = atomic_load_explicit(&s->call, memory_order_acquire);
    if (c) {
        struct worker_call again;
        out->in_call = copy_own(&out->call, c, sizeof out->call)
                    && copy_own(&again, c, sizeof again)
                    && memcmp(&out->call, &again, sizeof again) == 0
                    && atomic_load_explicit(&s->call, memory_order_acquire) == c;
        if (!out->in_call)
            memset(&out->call, 0, sizeof out->call);
        else
            out->call_at = c;
    }
    /* The request fields are written before the unique is published: a
     * unique that changed under us may have come with other fields. */
    if (atomic_load_explicit(&s->unique, memory_order_acquire) != out->req.unique)
        return false;
    return atomic_load(&s->tid) == out->tid;
}

size_t worker_copy_str(const char *p, char *buf, size_t cap)
{
    if (!p || cap == 0)
        return 0;
    size_t n = 0;
    /* Page by page: the string may end just before unmapped memory. */
    while (n + 1 < cap) {
        uintptr_t a = (uintptr_t)(p + n);
        size_t page_left = 4096 - (a & 4095);
        size_t want = cap - 1 - n < page_left ? cap - 1 - n : page_left;
        if (!copy_own(buf + n, p + n, want))
            break;
        char *nul = memchr(buf + n, 0, want);
        if (nul) {
            return (size_t)(nul - buf);
        }
        n += want;
    }
    buf[n] = 0;
    return n;
}

bool worker_still_in_call(int i, const struct worker_snap *s)
{
    if (i < 0 || i >= WORKER_SLOTS || !s->in_call)
        return false;
    const struct worker_call *c = atomic_load_explicit(&slots[i].call, memory_order_acquire);
    struct worker_call now;
    return c == s->call_at && copy_own(&now, c, sizeof now)
        && memcmp(&now, &s->call, sizeof now) == 0
        && atomic_load(&slots[i].tid) == s->tid;
}

bool worker_mark_stalled(int i, uint64_t unique)
{
    struct worker_slot *s = &slots[i];
    atomic_store(&s->stall_reply_ns, 0);
    atomic_store(&s->stalled, unique);
    if (atomic_load(&s->unique) == unique)
        return true;
    worker_unmark_stalled(i, unique);
    return false;
}

void worker_unmark_stalled(int i, uint64_t unique)
{
    struct worker_slot *s = &slots[i];
    uint64_t expect = unique;
    if (atomic_compare_exchange_strong(&s->stalled, &expect, 0))
        atomic_store(&s->stall_reply_ns, 0);
}

uint64_t worker_stall_reply(int i, uint64_t unique)
{
    struct worker_slot *s = &slots[i];
    if (atomic_load(&s->stalled) != unique)
        return 0;
    return atomic_load_explicit(&s->stall_reply_ns, memory_order_acquire);
}
