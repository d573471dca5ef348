/* ops_lock.c — POSIX record locks (getlk/setlk) and flock.
 *
 * POSIX locks.  A lock taken through the mount must conflict with one taken
 * directly on the source file, and vice versa, so the lock has to exist on
 * the source.  fcntl(F_SETLK) in the daemon would make every FUSE lock owner
 * the daemon itself (no conflicts between them, and any close() in the
 * daemon would drop them all).  Instead each (nodeid, lock_owner) gets its
 * own open file description of the source inode — a "lock context" — and
 * its locks are OFD locks on that description.  OFD locks conflict with each
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
 * of their own (see "waiters" below) that replies when the lock is granted
 * or the request is interrupted.
 *
 * flock: the kernel's flock lock belongs to the open file description, and
 * each FUSE open has exactly one backing description (fh->fd), so flock() on
 * it is the whole implementation.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/reply.h"

/* ======================================================================
 * Lock contexts: one open file description per (nodeid, lock_owner).
 * ====================================================================== */

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

#define CTX_BUCKETS 256

/* One fusetrace mount per process, so the table is process-wide. */
static struct {
    pthread_mutex_t mu;          /* never held across a syscall */
    struct lock_ctx *bucket[CTX_BUCKETS];
} table = { .mu = PTHREAD_MUTEX_INITIALIZER };

static unsigned ctx_hash(uint64_t nodeid, uint64_t owner)
{
    uint64_t h = (nodeid * 0x9e3779b97f4a7c15ULL) ^ owner;
    h ^= h >> 29;
    return (unsigned)(h % CTX_BUCKETS);
}

static void ctx_close_fd(int fd)
{
    /* Closing the description drops every OFD lock it still holds. */
    BACKING("close", fd, 0, NULL, close(fd));
}

static void ctx_free(struct lock_ctx *c)
{
    ctx_close_fd(c->fd);
    pthread_mutex_destroy(&c->op_mu);
    free(c);
}

/* Under table.mu: unlink from its chain. */
static void ctx_unlink_locked(struct lock_ctx *c)
{
    struct lock_ctx **pp = &table.bucket[ctx_hash(c->nodeid, c->owner)];
    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    c->in_table = false;
    c->refs--;
}

static struct lock_ctx *ctx_find_locked(uint64_t nodeid, uint64_t owner)
{
    for (struct lock_ctx *c = table.bucket[ctx_hash(nodeid, owner)]; c; c = c->next)
        if (c->nodeid == nodeid && c->owner == owner)
            return c;
    return NULL;
}

/* The context of (nodeid, owner) with a reference, or NULL. */
static struct lock_ctx *ctx_find(uint64_t nodeid, uint64_t owner)
{
    pthread_mutex_lock(&table.mu);
    struct lock_ctx *c = ctx_find_locked(nodeid, owner);
    if (c)
        c->refs++;
    pthread_mutex_unlock(&table.mu);
    return c;
}

/* Drop a reference.  A context its owner has released is closed as soon as
 * no op uses it any more (a waiter still blocked on it keeps it open). */
static void ctx_put(struct lock_ctx *c)
{
    pthread_mutex_lock(&table.mu);
    if (--c->refs == 1 && c->in_table && c->idle_close)
        ctx_unlink_locked(c);
    bool last = c->refs == 0;
    pthread_mutex_unlock(&table.mu);
    if (last)
        ctx_free(c);
}

/* A lock was granted on the context: remember who holds it, and keep the
 * context even if a release raced with the grant (the lock outlives it, as
 * a lock granted after a concurrent close() does natively). */
static void ctx_granted(struct lock_ctx *c, pid_t pid)
{
    pthread_mutex_lock(&table.mu);
    c->pid = pid;
    c->idle_close = false;
    pthread_mutex_unlock(&table.mu);
}

static bool acc_covers(int acc, bool write)
{
    return write ? acc != O_RDONLY : acc != O_WRONLY;
}

/* Open a description of the inode for lock context use.
 *
 * It is opened as the daemon, not as the caller: fcntl() checked the
 * caller's own fd (a read lock needs it readable, a write lock writable)
 * before the request was sent, and a reopen as the caller could fail where
 * the caller's lock would not (the file was chmod'ed after it was opened).
 *
 * Access: a write lock needs a writable description, a read lock a readable
 * one.  When the caller's fd is writable, ask for O_RDWR so the owner can
 * take either kind later without changing description; a caller with a
 * read-only fd gets O_RDONLY, so that a read lock through the mount does not
 * add a writer to the file (which would make execve() of it fail with
 * ETXTBSY and show up as IN_CLOSE_WRITE on the source).  O_APPEND is there
 * for append-only (chattr +a) files, which refuse a writable open without
 * it; nothing is ever written through this description. */
static int ctx_open_fd(int opath, bool write, int fh_acc, int *acc)
{
    int tries[2], n = 0;
    if (fh_acc != O_RDONLY || write)
        tries[n++] = O_RDWR | O_APPEND;
    tries[n++] = write ? O_WRONLY | O_APPEND : O_RDONLY;
    int r = -EBADF;
    for (int i = 0; i < n; i++) {
        r = reopen_fd(opath, tries[i]);
        if (r >= 0) {
            *acc = tries[i] & O_ACCMODE;
            return r;
        }
    }
    return r;
}

/* A held lock as /proc/self/fdinfo lists it: the exact lock records of one
 * description, which is what lets GETLK name the owner of a conflict and an
 * access upgrade move read locks to a new description. */
struct held {
    short type;
    off_t start, end;            /* end = -1: to EOF */
};

/* The OFD locks held by description `fd`: count, or -errno. */
static int fd_locks(int fd, struct held **out)
{
    char path[48];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    int pfd = open(path, O_RDONLY | O_CLOEXEC);
    if (pfd < 0)
        return -errno;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t r = 0;
    while (buf) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        r = read(pfd, buf + len, cap - len - 1);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    int err = errno;
    close(pfd);
    if (!buf)
        return -ENOMEM;
    if (r < 0) {
        free(buf);
        return -err;
    }
    buf[len] = '\0';

    int count = 0, cap_held = 0;
    struct held *h = NULL;
    /* "lock:\t1: OFDLCK ADVISORY  WRITE -1 fe:00:10956401 10 14" */
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "lock:", 5) != 0 || !strstr(line, "OFDLCK"))
            continue;
        char *rd = strstr(line, " READ "), *wr = strstr(line, " WRITE ");
        long long start;
        char end[32];
        if (!(rd || wr) || sscanf(rd ? rd + 6 : wr + 7, "%*d %*s %lld %31s", &start, end) != 2)
            continue;
        if (count == cap_held) {
            cap_held = cap_held ? cap_held * 2 : 8;
            struct held *nh = realloc(h, (size_t)cap_held * sizeof(*h));
            if (!nh) {
                free(h);
                free(buf);
                return -ENOMEM;
            }
            h = nh;
        }
        h[count].type = rd ? F_RDLCK : F_WRLCK;
        h[count].start = (off_t)start;
        h[count].end = strcmp(end, "EOF") == 0 ? -1 : (off_t)strtoll(end, NULL, 10);
        count++;
    }
    free(buf);
    *out = h;
    return count;
}

/* Under c->op_mu: give the context a description with the access it lacks.
 * A read-only description holds only read locks; they are first taken on
 * the new description (read locks never conflict with each other, and no
 * other process can hold a write lock where ours are held) and only then
 * dropped by closing the old one, so no range is unlocked at any moment.  A
 * write-only description holds write locks, which cannot be moved without
 * a window where they are free; it is swapped only when it holds none —
 * otherwise ENOLCK.  That case needs a daemon that can open the file
 * write-only but not read-write, i.e. never a root daemon. */
static int ctx_upgrade_locked(struct lock_ctx *c, int nfd, int nacc)
{
    if (c->waiters)
        return -ENOLCK;      /* a blocked request is queued on the old description */
    struct held *h = NULL;
    int n = fd_locks(c->fd, &h);
    if (n < 0)
        return n;
    int r = 0;
    if (n > 0 && c->acc == O_WRONLY)
        r = -ENOLCK;
    for (int i = 0; i < n && r == 0; i++) {
        struct flock fl = {
            .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = h[i].start,
            .l_len = h[i].end < 0 ? 0 : h[i].end - h[i].start + 1,
        };
        if (BACKING("fcntl(F_OFD_SETLK)", nfd, fl.l_type, NULL, fcntl(nfd, F_OFD_SETLK, &fl)) < 0)
            r = -errno;
    }
    free(h);
    if (r < 0)
        return r;
    int old = c->fd;
    c->fd = nfd;
    c->acc = nacc;
    ctx_close_fd(old);
    return 0;
}

/* The context of (nodeid, owner) with a description that can take a lock
 * of this kind, created or upgraded as needed; with a reference. */
static int ctx_acquire(struct fs *fs, uint64_t nodeid, uint64_t owner, bool write, int fh_acc,
                       struct lock_ctx **out)
{
    struct lock_ctx *c = ctx_find(nodeid, owner);
    if (c) {
        pthread_mutex_lock(&c->op_mu);
        bool ok = acc_covers(c->acc, write);
        pthread_mutex_unlock(&c->op_mu);
        if (ok) {
            *out = c;
            return 0;
        }
    }

    struct inode *node = itab_get(fs->itab, nodeid);
    if (!node) {
        if (c)
            ctx_put(c);
        return -ESTALE;
    }
    int opath = inode_fd(fs->itab, node);
    int acc = 0;
    int fd = opath < 0 ? opath : ctx_open_fd(opath, write, fh_acc, &acc);
    itab_put(fs->itab, node);
    if (fd < 0) {
        if (c)
            ctx_put(c);
        return fd;
    }

    if (c) {
        pthread_mutex_lock(&c->op_mu);
        int r = acc_covers(c->acc, write) ? 1 : ctx_upgrade_locked(c, fd, acc);
        pthread_mutex_unlock(&c->op_mu);
        if (r != 0) {           /* 1: upgraded meanwhile by another thread of the owner */
            ctx_close_fd(fd);
            if (r < 0) {
                ctx_put(c);
                return r;
            }
        }
        *out = c;
        return 0;
    }

    struct lock_ctx *n = calloc(1, sizeof(*n));
    if (!n) {
        ctx_close_fd(fd);
        return -ENOMEM;
    }
    n->nodeid = nodeid;
    n->owner = owner;
    n->fd = fd;
    n->acc = acc;
    n->refs = 2;                 /* the table's and ours */
    n->in_table = true;
    pthread_mutex_init(&n->op_mu, NULL);

    pthread_mutex_lock(&table.mu);
    bool raced = ctx_find_locked(nodeid, owner) != NULL;
    if (!raced) {
        unsigned b = ctx_hash(nodeid, owner);
        n->next = table.bucket[b];
        table.bucket[b] = n;
    }
    pthread_mutex_unlock(&table.mu);
    if (raced) {
        /* Another thread of the same owner created it first: use that one
         * (two descriptions for one owner would conflict with each other). */
        ctx_free(n);
        return ctx_acquire(fs, nodeid, owner, write, fh_acc, out);
    }
    *out = n;
    return 0;
}

/* Drop everything the context holds; it is closed once idle.  Takes over
 * the caller's reference. */
static void ctx_release(struct lock_ctx *c)
{
    /* Unlock rather than close: a request of the same owner may still be
     * blocked on this description in another thread, and natively it stays
     * queued (and is granted later) across a close() of another fd. */
    struct flock all = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
    pthread_mutex_lock(&c->op_mu);
    BACKING("fcntl(F_OFD_SETLK)", c->fd, F_UNLCK, NULL, fcntl(c->fd, F_OFD_SETLK, &all));
    pthread_mutex_unlock(&c->op_mu);
    pthread_mutex_lock(&table.mu);
    c->idle_close = true;
    pthread_mutex_unlock(&table.mu);
    ctx_put(c);
}

void locks_release_owner(struct fs *fs, fuse_ino_t ino, uint64_t lock_owner)
{
    (void)fs;
    struct lock_ctx *c = ctx_find(ino, lock_owner);
    if (!c)
        return;              /* the common case: a close() by a process that never locked */
    ctx_release(c);
}

/* RELEASE of an open file: the last close of its open file description.
 * An OFD lock (F_OFD_SETLK through the mount) belongs to that description,
 * and its owner id is the kernel's file, which no FLUSH ever names; so the
 * contexts whose latest request came through this fh go now.  For a classic
 * POSIX owner this is harmless: the process's FLUSH on that close already
 * released it, and a lock it took later through another fd moved its `fh`. */
void locks_release_fh(struct fs *fs, fuse_ino_t ino, uint64_t fh)
{
    (void)fs;
    struct lock_ctx *found[16];
    size_t n;
    do {
        n = 0;
        pthread_mutex_lock(&table.mu);
        for (unsigned b = 0; b < CTX_BUCKETS && n < 16; b++)
            for (struct lock_ctx *c = table.bucket[b]; c && n < 16; c = c->next)
                if (c->nodeid == ino && c->fh == fh && !c->idle_close) {
                    c->refs++;
                    c->idle_close = true;   /* marks it taken by this sweep */
                    found[n++] = c;
                }
        pthread_mutex_unlock(&table.mu);
        for (size_t i = 0; i < n; i++)
            ctx_release(found[i]);
    } while (n == 16);
}

/* ======================================================================
 * Waiters: blocking lock requests, each on a thread of its own.
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
 * ====================================================================== */

struct waiter {
    fuse_req_t req;
    uint64_t unique;                       /* carried to the thread for attribution */
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
        ts.tv_nsec += 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
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
static void waiter_reply(struct waiter *w, int r)
{
    pthread_mutex_lock(&w->mu);
    bool abandoned = w->abandoned;
    pthread_mutex_unlock(&w->mu);
    if (abandoned)
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
    rec_set_current_unique(w->unique);
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
static void waiter_start(fuse_req_t req, struct waiter *w)
{
    w->req = req;
    w->unique = rec_current_unique();
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
        w->done(w, -ENOLCK);
        waiter_free(w);
    }
}

static struct waiter *waiter_new(void)
{
    struct waiter *w = calloc(1, sizeof(*w));
    if (w)
        w->fd = -1;
    return w;
}

/* ======================================================================
 * The ops.
 * ====================================================================== */

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

/* A conflict reported as an OFD lock (l_pid -1) may be one of our own
 * contexts: find the context of this inode holding exactly that lock and
 * report its locker's pid, as a native F_GETLK would. */
static pid_t owner_pid_of(uint64_t nodeid, uint64_t asker, const struct flock *conf)
{
    struct lock_ctx **cands = NULL;
    size_t n = 0, cap = 0;
    pthread_mutex_lock(&table.mu);
    for (unsigned b = 0; b < CTX_BUCKETS; b++)
        for (struct lock_ctx *c = table.bucket[b]; c; c = c->next) {
            if (c->nodeid != nodeid || c->owner == asker)
                continue;
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                /* an array of pointers: sizeof(*nc) is meant */
                struct lock_ctx **nc = realloc(cands, ncap * sizeof(*nc)); // NOLINT(bugprone-sizeof-expression)
                if (!nc)
                    goto collected;
                cands = nc;
                cap = ncap;
            }
            c->refs++;
            cands[n++] = c;
        }
collected:
    pthread_mutex_unlock(&table.mu);

    off_t end = conf->l_len == 0 ? -1 : conf->l_start + conf->l_len - 1;
    pid_t pid = 0;
    for (size_t i = 0; i < n; i++) {
        struct lock_ctx *c = cands[i];
        if (!pid) {
            struct held *h = NULL;
            pthread_mutex_lock(&c->op_mu);
            int k = fd_locks(c->fd, &h);
            pthread_mutex_unlock(&c->op_mu);
            for (int j = 0; j < k && !pid; j++)
                if (h[j].type == conf->l_type && h[j].start == conf->l_start && h[j].end == end) {
                    pthread_mutex_lock(&table.mu);
                    pid = c->pid;
                    pthread_mutex_unlock(&table.mu);
                }
            free(h);
        }
        ctx_put(c);
    }
    free(cands);
    return pid;
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
        fl.l_pid = owner_pid_of(ino, fi->lock_owner, &fl);
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
    pthread_mutex_lock(&table.mu);
    c->fh = fi->fh;
    pthread_mutex_unlock(&table.mu);
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
    /* The waiter gets its own dup of the fd: same description (so the same
     * flock lock), but its number stays valid even if the fh were released
     * while it waits. */
    struct waiter *w = waiter_new();
    int dupfd = w ? fcntl(fh->fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (dupfd < 0) {
        free(w);
        reply_err(req, w ? errno : ENOMEM);
        return;
    }
    w->fd = dupfd;
    w->op = op;
    w->wait = flock_wait;
    w->done = flock_done;
    waiter_start(req, w);
}

void locks_shutdown(struct fs *fs)
{
    (void)fs;
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

    pthread_mutex_lock(&table.mu);
    struct lock_ctx *all = NULL;
    for (unsigned b = 0; b < CTX_BUCKETS; b++) {
        while (table.bucket[b]) {
            struct lock_ctx *c = table.bucket[b];
            table.bucket[b] = c->next;
            c->in_table = false;
            c->next = all;
            all = c;
        }
    }
    pthread_mutex_unlock(&table.mu);
    while (all) {
        struct lock_ctx *c = all;
        all = c->next;
        ctx_free(c);
    }
}
