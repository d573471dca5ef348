/* lock_ctx.c — lock contexts: one open file description of the source
 * inode per (nodeid, lock_owner), holding that owner's OFD locks (why:
 * ops_lock.c).  The table is process-wide: one fusetrace mount per
 * process. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/lock_ctx.h"
#include "shim/op_common.h"
#include "shim/ops.h"

#define CTX_BUCKETS 256

/* One fusetrace mount per process, so the table is process-wide.
 * Invariant: a context is in the chain of ctx_bucket(c->nodeid), and only
 * there.  The owner is not hashed, so every context of an inode shares one
 * chain: RELEASE (locks_release_fh, on every close of every file) and GETLK
 * (ctx_owner_pid) look for an inode's contexts of any owner, and walk one
 * chain — usually empty — instead of the whole table (which cost ~2 800
 * instructions per RELEASE, 12 % of the daemon's user space on metabench). */
static struct {
    pthread_mutex_t mu;          /* never held across a syscall */
    struct lock_ctx *bucket[CTX_BUCKETS];
} table = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct lock_ctx **ctx_bucket(uint64_t nodeid)
{
    uint64_t h = nodeid * 0x9e3779b97f4a7c15ULL;
    return &table.bucket[(h >> 32) % CTX_BUCKETS];
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
    struct lock_ctx **pp = ctx_bucket(c->nodeid);
    while (*pp != c) {
        assert(*pp);   /* in its nodeid's chain (the table's invariant) */
        pp = &(*pp)->next;
    }
    *pp = c->next;
    c->in_table = false;
    c->refs--;
}

static struct lock_ctx *ctx_find_locked(uint64_t nodeid, uint64_t owner)
{
    for (struct lock_ctx *c = *ctx_bucket(nodeid); c; c = c->next)
        if (c->nodeid == nodeid && c->owner == owner)
            return c;
    return NULL;
}

/* The context of (nodeid, owner) with a reference, or NULL. */
struct lock_ctx *ctx_find(uint64_t nodeid, uint64_t owner)
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
void ctx_put(struct lock_ctx *c)
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
void ctx_granted(struct lock_ctx *c, pid_t pid)
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

/* The OFD locks held by description `fd`: count, or -errno.  The daemon's
 * own fdinfo: opening it checks ptrace access to ourselves under our own
 * exec_update_lock (held for writing only by an exec of the daemon, which
 * never happens), and listing locks takes the file's flc_lock spinlock: it
 * cannot wait for a caller. */
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
int ctx_acquire(struct fs *fs, uint64_t nodeid, uint64_t owner, bool write, int fh_acc,
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
        struct lock_ctx **b = ctx_bucket(nodeid);
        n->next = *b;
        *b = n;
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
        for (struct lock_ctx *c = *ctx_bucket(ino); c && n < 16; c = c->next)
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

/* Record fh as the handle of the owner's latest lock request (see
 * locks_release_fh). */
void ctx_set_fh(struct lock_ctx *c, uint64_t fh)
{
    pthread_mutex_lock(&table.mu);
    c->fh = fh;
    pthread_mutex_unlock(&table.mu);
}

/* A conflict reported as an OFD lock (l_pid -1) may be one of our own
 * contexts: find the context of this inode holding exactly that lock and
 * report its locker's pid, as a native F_GETLK would. */
pid_t ctx_owner_pid(uint64_t nodeid, uint64_t asker, const struct flock *conf)
{
    struct lock_ctx **cands = NULL;
    size_t n = 0, cap = 0;
    pthread_mutex_lock(&table.mu);
    for (struct lock_ctx *c = *ctx_bucket(nodeid); c; c = c->next) {
        if (c->nodeid != nodeid || c->owner == asker)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            /* an array of pointers: sizeof(*nc) is meant */
            struct lock_ctx **nc = realloc(cands, ncap * sizeof(*nc)); // NOLINT(bugprone-sizeof-expression)
            if (!nc)
                break;
            cands = nc;
            cap = ncap;
        }
        c->refs++;
        cands[n++] = c;
    }
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
            for (int j = 0; h && j < k && !pid; j++)   /* k > 0 implies h */
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

void ctx_shutdown(void)
{
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
