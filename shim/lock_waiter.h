/* lock_waiter.h — requests that may block for long served on a thread of
 * their own, never on a FUSE worker: blocking lock requests (F_OFD_SETLKW,
 * flock without LOCK_NB; shim/lock_waiter.c says how interrupts reach
 * them), SEEK_DATA/SEEK_HOLE, which first wait for the kernel to write
 * back the file's dirty pages through the workers, and OPEN and READ of
 * files of a procfs inside the source, which wait for an exec that waits
 * for the mount (shim/ops_file.c). */
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
    uint64_t ino;                          /* LSEEK: the inode, */
    off_t off;                             /* where from, */
    int whence;                            /* SEEK_DATA or SEEK_HOLE, */
    off_t result;                          /* and the answer */
    /* OPEN and READ of a procfs file (ops_file.c): */
    int flags;                             /* the backing fd's open flags */
    struct fuse_file_info fi;              /* the OPEN's file info, for the reply */
    void *node;                            /* the OPEN's inode (a reference) */
    size_t size;                           /* READ: how much, */
    char *buf;                             /* into this (freed by done) */

    /* The call cannot be knocked out by a signal (LSEEK waits for
     * writeback uninterruptibly): no FUSE_INTERRUPT callback, which would
     * hold the worker serving the INTERRUPT until the call returned. */
    bool uninterruptible;
    int no_thread_errno;                   /* the answer when no thread can be started
                                            * (0: ENOLCK) */
    const char *thread_name;               /* (NULL: ft-lockwait) */

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
/* A zeroed waiter with its own dup of `fd`: the same open file description
 * (so the same flock lock), a number that stays valid whatever happens to
 * the fh while it waits.  NULL after replying the error to `req`. */
struct waiter *waiter_new_dup(fuse_req_t req, int fd);
/* Hand a blocking request to a waiter thread.  `w` is consumed: on any
 * failure w->done() replies. */
void waiter_start(fuse_req_t req, struct waiter *w);
/* The answer to a waiter's request (nothing is sent once the session is
 * ending).  r: 0 or -errno. */
void waiter_reply(struct waiter *w, int r);
/* Whether the session is ending and the request must get no answer. */
bool waiter_abandoned(struct waiter *w);
/* At unmount: interrupt every waiter and wait until all have left. */
void waiters_shutdown(void);

#endif
