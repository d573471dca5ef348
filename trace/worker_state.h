/* worker_state.h — what each thread serving the mount is doing right now.
 *
 * The stall watchdog (shim/stall.c) names, for a request in flight too long,
 * the thread that holds it and the backing syscall that thread is in.  Only
 * the thread itself knows, so every serving thread publishes it in a slot
 * of one process-wide table:
 *   - the wire tap's read hook: the request just read (worker_take), and no
 *     request while it waits for the next one (worker_idle);
 *   - BACKING (shim/backing.h): the syscall it is in, as a pointer to a
 *     descriptor on its own stack — one store on entry, one on return, and
 *     the bump of its own call counter;
 *   - a request handed to another thread (a blocking lock's waiter) moves
 *     with worker_current() on the old thread and worker_adopt() on the new;
 *   - the write hook: the reply that ends the request (worker_replied), or
 *     the splice hook (worker_replied_held).
 * No lock, no syscall on the hot path, and no clock read beyond one per
 * request (a backing call is timed by the recorder when it is on, else by
 * the watchdog, to its 100 ms tick).
 * Slots exist only while watching (worker_watch()); otherwise worker_self
 * is NULL on every thread and each hook costs one predictable branch.
 *
 * Reading another thread's slot (the watchdog): the fields are atomics; the
 * call descriptor lives on the owner's stack and may be gone by the time the
 * watchdog looks, so worker_snapshot() copies it with process_vm_readv(),
 * which fails with EFAULT instead of faulting, twice, and keeps it only if
 * both copies agree and the slot still points at it.
 *
 * Invariants:
 *  - a slot belongs to one live thread while tid != 0; only that thread
 *    writes its request and call fields; `stalled` is the watchdog's (set
 *    and cleared by it only), and outlives the owner, so that the reply
 *    stamp of a thread that replied and exited is still read;
 *  - unique == 0 means the thread holds no request (it waits in the read,
 *    or has written the reply);
 *  - call != NULL only between worker_call_enter() and worker_call_leave()
 *    of that thread, or until the thread exits (a cancelled thread's slot
 *    is cleared by its exit destructor).
 */
#ifndef FUSETRACE_TRACE_WORKER_STATE_H
#define FUSETRACE_TRACE_WORKER_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* One backing syscall in progress (on the calling thread's stack). */
struct worker_call {
    const char *call;          /* syscall name, a string literal */
    int64_t fd, arg;           /* as recorded in backing_call */
    const char *name;          /* name argument, or NULL */
    uint64_t since;            /* rec_now_ns() when the call began; 0 when the
                                * recorder is off (no clock read for the
                                * watchdog alone: it times the call itself) */
    uint64_t seq;              /* the thread's call count: tells calls apart */
};

/* The request a thread holds. */
struct worker_req {
    uint64_t unique;           /* 0: none */
    uint64_t since;            /* when the daemon read it from /dev/fuse */
    uint64_t nodeid;
    uint32_t opcode, pid;
};

struct worker_slot {
    _Alignas(64) _Atomic uint32_t tid;           /* 0: free */
    _Atomic uint32_t opcode, pid;
    _Atomic uint64_t unique, since, nodeid;
    _Atomic(const struct worker_call *) call;
    /* Set by the watchdog to a request it reported stalled; the owner that
     * writes that request's reply stamps stall_reply_ns. */
    _Atomic uint64_t stalled;
    _Atomic uint64_t stall_reply_ns;
    uint64_t calls;                              /* the owner's only */
};

/* Slots for this many threads at once (workers, lock waiters); a thread
 * that finds none is not watched, which the watchdog says once. */
#define WORKER_SLOTS 4096

extern bool worker_watching;
extern _Thread_local struct worker_slot *worker_self;

/* Start giving slots to serving threads (before the mount is served). */
void worker_watch(void);
/* Threads that wanted a slot and found the table full. */
uint64_t worker_unwatched(void);

/* ---- the serving threads ------------------------------------------------ */

static inline void worker_call_enter(struct worker_slot *s, const struct worker_call *c)
{
    atomic_store_explicit(&s->call, c, memory_order_release);
}

static inline void worker_call_leave(struct worker_slot *s)
{
    atomic_store_explicit(&s->call, NULL, memory_order_release);
}

/* The read hook: about to wait for the next request / just read `buf`. */
void worker_idle(void);
void worker_take(const void *buf, size_t len);
/* The write hook, before the message is written. */
void worker_replied(const struct iovec *iov, int count);
/* The splice hook, before a spliced reply is written: libfuse passes it
 * only a pipe, not the header, so the reply is taken to answer the request
 * this thread holds.  It is: only READ replies are spliced, and a READ is
 * answered by the thread that read it. */
void worker_replied_held(void);

/* Hand the current request to another thread: worker_current() on the
 * thread that read it, worker_adopt() on the thread that takes it over
 * (it also becomes the recorder's current request there, see
 * rec_set_current_unique). */
void worker_current(struct worker_req *out);
void worker_adopt(const struct worker_req *r);

/* ---- the watchdog ------------------------------------------------------------ */

struct worker_snap {
    uint32_t tid;
    struct worker_req req;
    bool in_call;              /* call holds a consistent copy */
    struct worker_call call;
    const struct worker_call *call_at;   /* where it was (the owner's stack) */
};

/* Slots that have been used (the watchdog scans [0, worker_slot_count())). */
int worker_slot_count(void);
/* A copy of slot i; false when it is free or changed owner while read. */
bool worker_snapshot(int i, struct worker_snap *out);
/* Copy the NUL-terminated string at p (a name argument of a slot's call)
 * into buf without trusting that it is still there; returns its length,
 * 0 when unreadable. */
size_t worker_copy_str(const char *p, char *buf, size_t cap);
/* Is slot i's thread still in the call `s` saw?  Whatever was copied from
 * that call's memory meanwhile (its name argument) is then that call's. */
bool worker_still_in_call(int i, const struct worker_snap *s);

/* Mark / unmark `unique` in slot i as reported stalled.  worker_mark_stalled
 * returns false if the slot no longer holds it (the request just ended: not
 * a stall).  worker_stall_reply() returns when its reply was written, 0 if
 * not (yet). */
bool worker_mark_stalled(int i, uint64_t unique);
void worker_unmark_stalled(int i, uint64_t unique);
uint64_t worker_stall_reply(int i, uint64_t unique);

#endif
