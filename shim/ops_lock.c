/* ops_lock.c — POSIX record locks (getlk/setlk) and flock.
 *
 * POSIX locks.  A lock taken through the mount must conflict with one taken
 * directly on the source file, and vice versa, so the lock has to exist on
 * the source.  fcntl(F_SETLK) in the daemon would make every FUSE lock owner
 * the daemon itself (no conflicts between them, and any close() in the
 * daemon would drop them all).  Instead each (nodeid, lock_owner) gets its
 * own open file description of the source inode — a "lock context"
 * (lock_ctx.c) — and its locks are OFD locks on that description.  OFD locks conflict with each
 * other across descriptions and with classic POSIX locks of other processes
 * (both live on the inode's one lock list), and the merge/split/upgrade
 * rules for one owner are the kernel's own.  POSIX close semantics — any
 * close() by the owner drops all its locks on the file — map to FLUSH
 * (and RELEASE), which call locks_release_owner().
 *
 * Known differences from a native run, none avoidable with libfuse 3.14:
 *  - No deadlock detection: the kernel never reports EDEADLK for OFD locks,
 *    so two processes that deadlock through the mount wait until a signal
 *    interrupts one of them.
 *  - F_GETLK through the mount reports l_pid for a conflicting lock of one
 *    of our contexts (the locker's tgid, remembered at grant) and for a
 *    classic lock of a process on the source; an OFD lock held directly on
 *    the source has no pid, and the kernel shows it as 0 instead of -1.
 *  - A blocked F_SETLKW interrupted by a signal returns EINTR even if the
 *    handler has SA_RESTART (FUSE answers the request; it cannot restart it).
 *
 * Blocking requests (SETLKW, flock without LOCK_NB) never wait on a worker
 * thread: after a non-blocking attempt fails they move to a waiter thread
 * of their own (lock_waiter.c) that replies when the lock is granted
 * or the request is interrupted.
 *
 * flock: the kernel's flock lock belongs to the open file description, and
 * each FUSE open has exactly one backing description (fh->fd), so flock() on
 * it is the whole implementation.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/lock_ctx.h"
#include "shim/lock_waiter.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/reply.h"

/* Access mode of the caller's open file, or -1 if the fh is unknown. */
static int fh_acc(struct fs *fs, struct fuse_file_info *fi)
{
    struct fh_entry *fh = fi ? fht_get(fs->fht, fi->fh) : NULL;
    return fh ? (fh->flags & O_ACCMODE) : -1;
}

/* libfuse hands the kernel's l_pid through; OFD commands demand 0. */
static struct flock ofd_flock(const struct flock *lock)
{
    struct flock fl = *lock;
    fl.l_pid = 0;
    return fl;
}

void op_getlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock)
{
    struct flock fl = ofd_flock(lock);
    /* Query from the owner's own description so its own locks do not count
     * as conflicts; an owner without one holds no locks, and the open file's
     * description (which holds no OFD locks) answers for everyone else. */
    struct lock_ctx *c = ctx_find(ino, fi->lock_owner);
    int r;
    if (c) {
        pthread_mutex_lock(&c->op_mu);
        r = (int)BACKING("fcntl(F_OFD_GETLK)", c->fd, fl.l_type, NULL, fcntl(c->fd, F_OFD_GETLK, &fl));
        r = r < 0 ? errno : 0;
        pthread_mutex_unlock(&c->op_mu);
        ctx_put(c);
    } else {
        struct fh_entry *fh = op_fh(req, fi->fh);
        if (!fh)
            return;
        r = (int)BACKING("fcntl(F_OFD_GETLK)", fh->fd, fl.l_type, NULL, fcntl(fh->fd, F_OFD_GETLK, &fl));
        r = r < 0 ? errno : 0;
    }
    if (r) {
        reply_err(req, r);
        return;
    }
    if (fl.l_type != F_UNLCK && fl.l_pid == -1)
        fl.l_pid = ctx_owner_pid(ino, fi->lock_owner, &fl);
    reply_lock(req, &fl);
}

static int posix_wait(struct waiter *w)
{
    int r = (int)BACKING("fcntl(F_OFD_SETLKW)", w->fd, w->fl.l_type, NULL,
                         fcntl(w->fd, F_OFD_SETLKW, &w->fl));
    return r < 0 ? -errno : 0;
}

static void posix_done(struct waiter *w, int r)
{
    pthread_mutex_lock(&w->ctx->op_mu);
    w->ctx->waiters--;
    pthread_mutex_unlock(&w->ctx->op_mu);
    if (r == 0)
        ctx_granted(w->ctx, w->pid);
    ctx_put(w->ctx);
    waiter_reply(w, r);
}

static void setlk_unlock(fuse_req_t req, fuse_ino_t ino, uint64_t owner, struct flock *fl)
{
    struct lock_ctx *c = ctx_find(ino, owner);
    int r = 0;
    if (c) {             /* no context: the owner holds nothing to unlock */
        pthread_mutex_lock(&c->op_mu);
        r = (int)BACKING("fcntl(F_OFD_SETLK)", c->fd, F_UNLCK, NULL, fcntl(c->fd, F_OFD_SETLK, fl));
        r = r < 0 ? errno : 0;
        pthread_mutex_unlock(&c->op_mu);
        ctx_put(c);
    }
    reply_err(req, r);
}

void op_setlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock, int sleep)
{
    struct fs *fs = fs_of(req);
    struct flock fl = ofd_flock(lock);
    if (fl.l_type == F_UNLCK) {
        setlk_unlock(req, ino, fi->lock_owner, &fl);
        return;
    }
    /* The kernel sends the locker's tgid for a lock request; the header's
     * pid is the thread's. */
    pid_t pid = lock->l_pid > 0 ? lock->l_pid : fuse_req_ctx(req)->pid;
    struct lock_ctx *c;
    int r = ctx_acquire(fs, ino, fi->lock_owner, fl.l_type == F_WRLCK, fh_acc(fs, fi), &c);
    if (r < 0) {
        reply_err(req, -r);
        return;
    }
    ctx_set_fh(c, fi->fh);
    /* Try without blocking first, also for SETLKW: an uncontended lock needs
     * no thread.  A failed attempt changes nothing (POSIX locks are atomic). */
    pthread_mutex_lock(&c->op_mu);
    int fd = c->fd;
    r = (int)BACKING("fcntl(F_OFD_SETLK)", fd, fl.l_type, NULL, fcntl(fd, F_OFD_SETLK, &fl));
    int err = r < 0 ? errno : 0;
    bool wait = sleep && (err == EAGAIN || err == EACCES);
    if (wait)
        c->waiters++;        /* keeps the description in place while queued on it */
    pthread_mutex_unlock(&c->op_mu);

    if (!wait) {
        if (r == 0)
            ctx_granted(c, pid);
        ctx_put(c);
        reply_err(req, err);
        return;
    }
    struct waiter *w = waiter_new();
    if (!w) {
        pthread_mutex_lock(&c->op_mu);
        c->waiters--;
        pthread_mutex_unlock(&c->op_mu);
        ctx_put(c);
        reply_err(req, ENOMEM);
        return;
    }
    w->ctx = c;
    w->fl = fl;
    w->pid = pid;
    w->fd = fd;
    w->wait = posix_wait;
    w->done = posix_done;
    waiter_start(req, w);
}

static int flock_wait(struct waiter *w)
{
    int r = (int)BACKING("flock", w->fd, w->op, NULL, flock(w->fd, w->op));
    return r < 0 ? -errno : 0;
}

static void flock_done(struct waiter *w, int r)
{
    close(w->fd);            /* the dup only; the lock stays with the description */
    waiter_reply(w, r);
}

void op_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
    (void)ino;
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    bool blocking = !(op & (LOCK_NB | LOCK_UN));
    int try_op = blocking ? op | LOCK_NB : op;
    int r = (int)BACKING("flock", fh->fd, try_op, NULL, flock(fh->fd, try_op));
    int err = r < 0 ? errno : 0;
    if (!blocking || err != EWOULDBLOCK) {
        reply_err(req, err);
        return;
    }
    struct waiter *w = waiter_new_dup(req, fh->fd);
    if (!w)
        return;
    w->op = op;
    w->wait = flock_wait;
    w->done = flock_done;
    waiter_start(req, w);
}

void locks_shutdown(struct fs *fs)
{
    (void)fs;
    waiters_shutdown();
    ctx_shutdown();
}
