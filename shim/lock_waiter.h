/* lock_waiter.h — blocking lock requests (F_OFD_SETLKW, flock without
 * LOCK_NB) served on a thread of their own, never on a FUSE worker
 * (shim/lock_waiter.c says how interrupts reach them). */
#ifndef FUSETRACE_SHIM_LOCK_WAITER_H
#define FUSETRACE_SHIM_LOCK_WAITER_H

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "trace/worker_state.h"

struct lock_ctx;

struct waiter {
    fuse_req_t req;
    struct worker_req held;                /* the request, carried to the thread (attribution,
                                            * stall watchdog) */
    int (*wait)(struct waiter *w);         /* the blocking call: 0 or -errno */
    void (*done)(struct waiter *w, int r); /* bookkeeping, then the reply */

    struct lock_ctx *ctx;                  /* POSIX: context (a reference) */
    struct flock fl;
    pid_t pid;
    int fd;                                /* the fd to wait on (POSIX: ctx's; flock: a dup) */
    int op;                                /* flock operation */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool interrupted;                      /* (mu) */
    bool abandoned;                        /* session ending: nobody to answer (mu) */
    bool waiting;                          /* thread is in, or about to enter, the call (mu) */
    pthread_t thread;                      /* valid while waiting (mu) */

    struct waiter *prev, *next;            /* registry (reg.mu) */
};

/* A zeroed waiter (fd -1), or NULL. */
struct waiter *waiter_new(void);
/* Hand a blocking request to a waiter thread.  `w` is consumed: on any
 * failure w->done() replies. */
void waiter_start(fuse_req_t req, struct waiter *w);
/* The answer to a waiter's request (nothing is sent once the session is
 * ending).  r: 0 or -errno. */
void waiter_reply(struct waiter *w, int r);
/* At unmount: interrupt every waiter and wait until all have left. */
void waiters_shutdown(void);

#endif
