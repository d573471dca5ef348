/* lock_ctx.h — lock contexts (shim/lock_ctx.c): one open file description
 * of the source inode per (nodeid, lock_owner), holding that owner's OFD
 * locks.  Fields marked (table.mu) are guarded by the context table's
 * mutex, which is never held across a syscall; fields marked (op_mu) by
 * the context's own op_mu. */
#ifndef FUSETRACE_SHIM_LOCK_CTX_H
#define FUSETRACE_SHIM_LOCK_CTX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/types.h>

struct fs;

struct lock_ctx {
    struct lock_ctx *next;       /* hash chain (table.mu) */
    uint64_t nodeid, owner;
    unsigned refs;               /* table membership + ops using it (table.mu) */
    bool in_table;               /* (table.mu) */
    bool idle_close;             /* released by the owner: close once idle (table.mu) */
    pid_t pid;                   /* tgid of the last grant, for GETLK (table.mu) */
    uint64_t fh;                 /* fh of the owner's latest lock request (table.mu) */

    /* op_mu orders the owner's non-blocking lock syscalls against a change
     * of description (access upgrade) and release.  It is held only around
     * non-blocking calls, never while a lock request waits. */
    pthread_mutex_t op_mu;
    int fd;                      /* the description holding the owner's OFD locks (op_mu) */
    int acc;                     /* its O_ACCMODE (op_mu) */
    unsigned waiters;            /* blocked requests waiting on fd (op_mu) */
};

/* The context of (nodeid, owner) with a reference, or NULL. */
struct lock_ctx *ctx_find(uint64_t nodeid, uint64_t owner);
/* The context of (nodeid, owner), created if needed, with a description
 * that allows a `write` (or read) lock; fh_acc is the access mode of the
 * caller's open file (-1 unknown).  0 and a reference in *out, or -errno. */
int ctx_acquire(struct fs *fs, uint64_t nodeid, uint64_t owner, bool write, int fh_acc,
                struct lock_ctx **out);
/* Drop a reference. */
void ctx_put(struct lock_ctx *c);
/* A lock was granted on the context to process `pid`. */
void ctx_granted(struct lock_ctx *c, pid_t pid);
/* fh is the handle of the owner's latest lock request. */
void ctx_set_fh(struct lock_ctx *c, uint64_t fh);
/* The pid of the process holding `conf` (an OFD lock GETLK reported on
 * nodeid) through one of our contexts other than asker's, or 0. */
pid_t ctx_owner_pid(uint64_t nodeid, uint64_t asker, const struct flock *conf);
/* Free every context (at unmount, after the waiters have gone). */
void ctx_shutdown(void);

#endif
