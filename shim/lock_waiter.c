/* lock_waiter.c — blocking lock requests, each on a thread of its own.
 *
 * A worker parked in F_OFD_SETLKW or flock() would be lost to the pool for
 * as long as the lock is held elsewhere; with max_threads waiters the whole
 * mount stops answering.  So the blocking call runs on a detached thread
 * that replies itself.  When the waiting process gets a signal the kernel
 * sends FUSE_INTERRUPT; libfuse calls our interrupt callback, which knocks
 * the thread out of the syscall with a no-op signal installed without
 * SA_RESTART, so the call returns EINTR and the request is answered EINTR.
 *
 * The race: the signal can land after the thread decided to wait but before
 * it entered the syscall, and is then lost.  So the interrupter keeps
 * re-sending it (1 ms apart) until the thread reports it has left the call;
 * an interrupt that comes before the thread started waiting is seen by the
 * thread itself (`interrupted` is checked under the same mutex that marks
 * it waiting), including one that arrived before the callback was even
 * registered (fuse_req_interrupt_func calls it at once then).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "shim/lock_waiter.h"
#include "shim/reply.h"
#include "trace/recorder.h"
#include "trace/worker_state.h"
#include "util/duration.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;                     /* signalled when a waiter leaves */
    struct waiter *head;
    unsigned count;
    bool shutting_down;
} reg = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

#define WAITER_STACK (256 * 1024)

/* A real-time signal nothing else in the daemon uses; delivered only with
 * pthread_kill() to a waiter thread, the one thread that unblocks it. */
static int wake_signal(void) { return SIGRTMAX - 2; }

static void wake_handler(int sig) { (void)sig; }

static pthread_once_t wake_once = PTHREAD_ONCE_INIT;
static void wake_install(void)
{
    struct sigaction sa = { .sa_handler = wake_handler };   /* no SA_RESTART: EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(wake_signal(), &sa, NULL);
}

static void waiter_interrupt(struct waiter *w)
{
    pthread_mutex_lock(&w->mu);
    w->interrupted = true;
    while (w->waiting) {
        pthread_kill(w->thread, wake_signal());
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        timespec_add_ns(&ts, 1000000);
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
}

/* libfuse calls this under the request's lock, from the thread handling
 * FUSE_INTERRUPT (or from fuse_req_interrupt_func if it came earlier). */
static void on_interrupt(fuse_req_t req, void *data)
{
    (void)req;
    waiter_interrupt(data);
}

/* The answer to a waiter's request.  At shutdown the channel to the kernel
 * is already closed (the kernel failed the request with ECONNABORTED when
 * the connection went), so the request is only freed. */
bool waiter_abandoned(struct waiter *w)
{
    pthread_mutex_lock(&w->mu);
    bool abandoned = w->abandoned;
    pthread_mutex_unlock(&w->mu);
    return abandoned;
}

void waiter_reply(struct waiter *w, int r)
{
    if (waiter_abandoned(w))
        reply_none(w->req);
    else
        reply_err(w->req, -r);
}

static void waiter_free(struct waiter *w)
{
    pthread_mutex_lock(&reg.mu);
    if (w->prev)
        w->prev->next = w->next;
    else
        reg.head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    reg.count--;
    pthread_cond_broadcast(&reg.cv);
    pthread_mutex_unlock(&reg.mu);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    pthread_setname_np(pthread_self(), w->thread_name ? w->thread_name : "ft-lockwait");
    worker_adopt(&w->held);
    int r;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        if (w->interrupted) {
            pthread_mutex_unlock(&w->mu);
            r = -EINTR;
            break;
        }
        w->thread = pthread_self();
        w->waiting = true;
        pthread_mutex_unlock(&w->mu);
        r = w->wait(w);
        pthread_mutex_lock(&w->mu);
        w->waiting = false;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        /* EINTR without an interrupt cannot come from our signal; wait on. */
        if (r != -EINTR)
            break;
    }
    /* Unregister before replying: this takes the request's lock, so any
     * callback still running has finished and none can start afterwards —
     * `w` may then be freed.  A lock granted just as the interrupt came is
     * reported granted: the kernel accepts a normal answer to an interrupted
     * request, and the caller then really holds it. */
    fuse_req_interrupt_func(w->req, NULL, NULL);
    w->done(w, r);
    waiter_free(w);
    return NULL;
}

/* Hand a blocking request to a waiter thread.  `w` is consumed: on any
 * failure w->done() replies. */
void waiter_start(fuse_req_t req, struct waiter *w)
{
    w->req = req;
    worker_current(&w->held);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_once(&wake_once, wake_install);

    pthread_mutex_lock(&reg.mu);
    bool closing = reg.shutting_down;
    w->next = reg.head;
    if (reg.head)
        reg.head->prev = w;
    reg.head = w;
    reg.count++;
    pthread_mutex_unlock(&reg.mu);
    if (closing) {
        w->abandoned = true;
        w->done(w, -EINTR);
        waiter_free(w);
        return;
    }

    if (!w->uninterruptible)
        fuse_req_interrupt_func(req, on_interrupt, w);

    /* Every signal blocked but the wake-up one: the thread must never run
     * the daemon's SIGINT/SIGTERM handling, and must always get ours. */
    sigset_t mask;
    sigfillset(&mask);
    sigdelset(&mask, wake_signal());
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, WAITER_STACK);
    pthread_attr_setsigmask_np(&attr, &mask);
    pthread_t t;
    int r = pthread_create(&t, &attr, waiter_main, w);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        /* Out of threads: ENOLCK ("no locks available") rather than
         * parking a worker, which could starve the mount. */
        fuse_req_interrupt_func(req, NULL, NULL);
        w->done(w, -(w->no_thread_errno ? w->no_thread_errno : ENOLCK));
        waiter_free(w);
    }
}

struct waiter *waiter_new(void)
{
    struct waiter *w = calloc(1, sizeof(*w));
    if (w)
        w->fd = -1;
    return w;
}

struct waiter *waiter_new_dup(fuse_req_t req, int fd)
{
    struct waiter *w = waiter_new();
    int dupfd = w ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (dupfd < 0) {
        int err = w ? errno : ENOMEM;
        free(w);
        reply_err(req, err);
        return NULL;
    }
    w->fd = dupfd;
    return w;
}

void waiters_shutdown(void)
{
    /* Knock every waiter out of its call (its request is dropped: the
     * kernel connection is gone) and wait until all have left: none may
     * touch the session after it is destroyed. */
    pthread_mutex_lock(&reg.mu);
    reg.shutting_down = true;
    for (struct waiter *w = reg.head; w; w = w->next) {
        pthread_mutex_lock(&w->mu);
        w->abandoned = true;
        pthread_mutex_unlock(&w->mu);
        waiter_interrupt(w);
    }
    while (reg.count)
        pthread_cond_wait(&reg.cv, &reg.mu);
    pthread_mutex_unlock(&reg.mu);
}
