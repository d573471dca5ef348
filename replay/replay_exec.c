/* replay_exec.c — one recorded request -> the syscalls the shim made for
 * it (shim/ops_*.c), relative to the fds of the replayed nodes.
 *
 * Node ids and file handles are remapped: a recorded entry reply's node id
 * is bound to the object the replayed lookup/create found (an O_PATH fd),
 * counted like the kernel counts lookups and let go at FORGET; a recorded
 * fh is bound to the fd the replayed OPEN/CREATE/OPENDIR opened and closed
 * at RELEASE.  A request whose node or fh the replay does not have fails
 * with ESTALE / EBADF, as the shim would answer.
 *
 * Verification compares each result with the recorded reply: the errno;
 * for entries and attributes the file type, and the size of regular files
 * and symlinks (directory sizes depend on the history of the directory's
 * blocks, not on its contents, so they are not compared); the byte counts
 * of READ, WRITE, COPY_FILE_RANGE, GETXATTR, LISTXATTR; READLINK's target;
 * whether CREATE created; and a directory listing read to its end (names
 * and types, as a multiset: the order of entries belongs to the
 * filesystem).
 */
#include "replay/replay.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "shim/cred_switch.h"
#include "shim/proc_fd.h"

#define FUSE_OPEN_EXEC 0x20

struct rp_node {
    int fd;                    /* O_PATH */
    uint64_t nlookup;
};

struct listing {
    char **names;              /* "type/name" */
    size_t n, cap;
};

struct rp_fh {
    int fd;
    DIR *dp;                   /* directories */
    bool append;               /* opened with O_APPEND (the request's flags) */
    struct listing rec, rep;   /* names listed since offset 0 */
};

static const char *const opnames[] = {
    [FUSE_LOOKUP] = "LOOKUP", [FUSE_FORGET] = "FORGET", [FUSE_GETATTR] = "GETATTR",
    [FUSE_SETATTR] = "SETATTR", [FUSE_READLINK] = "READLINK", [FUSE_SYMLINK] = "SYMLINK",
    [FUSE_MKNOD] = "MKNOD", [FUSE_MKDIR] = "MKDIR", [FUSE_UNLINK] = "UNLINK",
    [FUSE_RMDIR] = "RMDIR", [FUSE_RENAME] = "RENAME", [FUSE_LINK] = "LINK",
    [FUSE_OPEN] = "OPEN", [FUSE_READ] = "READ", [FUSE_WRITE] = "WRITE",
    [FUSE_STATFS] = "STATFS", [FUSE_RELEASE] = "RELEASE", [FUSE_FSYNC] = "FSYNC",
    [FUSE_SETXATTR] = "SETXATTR", [FUSE_GETXATTR] = "GETXATTR",
    [FUSE_LISTXATTR] = "LISTXATTR", [FUSE_REMOVEXATTR] = "REMOVEXATTR",
    [FUSE_FLUSH] = "FLUSH", [FUSE_INIT] = "INIT", [FUSE_OPENDIR] = "OPENDIR",
    [FUSE_READDIR] = "READDIR", [FUSE_RELEASEDIR] = "RELEASEDIR",
    [FUSE_FSYNCDIR] = "FSYNCDIR", [FUSE_GETLK] = "GETLK", [FUSE_SETLK] = "SETLK",
    [FUSE_SETLKW] = "SETLKW", [FUSE_ACCESS] = "ACCESS", [FUSE_CREATE] = "CREATE",
    [FUSE_INTERRUPT] = "INTERRUPT", [FUSE_BMAP] = "BMAP", [FUSE_DESTROY] = "DESTROY",
    [FUSE_IOCTL] = "IOCTL", [FUSE_POLL] = "POLL", [FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
    [FUSE_BATCH_FORGET] = "BATCH_FORGET", [FUSE_FALLOCATE] = "FALLOCATE",
    [FUSE_READDIRPLUS] = "READDIRPLUS", [FUSE_RENAME2] = "RENAME2", [FUSE_LSEEK] = "LSEEK",
    [FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE", [FUSE_SETUPMAPPING] = "SETUPMAPPING",
    [FUSE_REMOVEMAPPING] = "REMOVEMAPPING", [FUSE_SYNCFS] = "SYNCFS",
    [FUSE_TMPFILE] = "TMPFILE", [52] = "STATX",
};

const char *rp_opname(uint32_t opcode)
{
    if (opcode < sizeof opnames / sizeof *opnames && opnames[opcode])
        return opnames[opcode];
    return "?";
}

bool rp_replayable(const struct rp_req *q)
{
    /* libfuse answered ENOSYS by itself: the shim never saw it */
    if (q->has_reply && q->error == ENOSYS)
        return false;
    switch (q->opcode) {
    case FUSE_INIT:
    case FUSE_DESTROY:
    case FUSE_INTERRUPT:
    case FUSE_NOTIFY_REPLY:
    case FUSE_IOCTL:
    case FUSE_POLL:
    case FUSE_BMAP:
    case FUSE_SETUPMAPPING:
    case FUSE_REMOVEMAPPING:
    case 52:                   /* STATX */
        return false;
    default:
        /* a request never answered was still in progress at the end */
        return q->has_reply || q->opcode == FUSE_FORGET || q->opcode == FUSE_BATCH_FORGET;
    }
}

/* ---- context ----------------------------------------------------------------------- */

int rp_ctx_init(struct rp_ctx *c, const struct rp_recording *rec, int root_fd, bool verify,
                FILE *out)
{
    memset(c, 0, sizeof *c);
    c->rec = rec;
    c->root_fd = root_fd;
    c->verify = verify;
    c->out = out;
    pthread_mutex_init(&c->mu, NULL);
    struct rp_node *root = calloc(1, sizeof *root);
    if (!root)
        return -1;
    root->fd = root_fd;
    root->nlookup = 1;
    return rmap_put(&c->nodes, FUSE_ROOT_ID, (uint64_t)(uintptr_t)root) ? 0 : -1;
}

static void listing_clear(struct listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    l->n = 0;
}

static void fh_free(struct rp_fh *f)
{
    if (f->dp)
        closedir(f->dp);
    else if (f->fd >= 0)
        close(f->fd);
    listing_clear(&f->rec);
    listing_clear(&f->rep);
    free(f->rec.names);
    free(f->rep.names);
    free(f);
}

void rp_ctx_free(struct rp_ctx *c)
{
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&c->nodes, &pos, &k, &v)) {
        struct rp_node *n = (struct rp_node *)(uintptr_t)v;
        if (k != FUSE_ROOT_ID)
            close(n->fd);
        free(n);
    }
    rmap_free(&c->nodes);
    pos = 0;
    while (rmap_next(&c->fhs, &pos, &k, &v))
        fh_free((struct rp_fh *)(uintptr_t)v);
    rmap_free(&c->fhs);
    pthread_mutex_destroy(&c->mu);
}

/* ---- reporting ---------------------------------------------------------------------- */

static void where(const struct rp_ctx *c, const struct rp_req *q, char *buf, size_t len)
{
    const char *p = rp_node_path(c->rec, q->nodeid);
    if (q->name && q->opcode != FUSE_GETXATTR && q->opcode != FUSE_SETXATTR
        && q->opcode != FUSE_REMOVEXATTR)
        snprintf(buf, len, "%s%s%s", p, strcmp(p, "/") ? "/" : "", q->name);
    else
        snprintf(buf, len, "%s", p);
}

__attribute__((format(printf, 4, 5)))
static void mismatch(struct rp_ctx *c, const struct rp_req *q, enum rp_mismatch_kind kind,
                     const char *fmt, ...)
{
    char w[1024], msg[1024];
    where(c, q, w, sizeof w);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&c->mu);
    c->mismatches++;
    c->by_kind[kind]++;
    if (c->verify)
        fprintf(c->out, "mismatch: request %" PRId64 " (unique %" PRIu64 ") %s %s: %s\n",
                q->id, q->unique, rp_opname(q->opcode), w, msg);
    pthread_mutex_unlock(&c->mu);
}

static const char *ename(int e)
{
    if (e == 0)
        return "success";
    const char *n = strerrorname_np(e);
    return n ? n : "errno?";
}

/* Compare the errno; true when both succeeded (go on comparing). */
static bool check_err(struct rp_ctx *c, const struct rp_req *q, int err)
{
    if (err != q->error) {
        mismatch(c, q, RPM_ERRNO, "errno: recorded %s, replayed %s", ename(q->error), ename(err));
        return false;
    }
    return err == 0;
}

static void check_attr(struct rp_ctx *c, const struct rp_req *q, const struct stat *st)
{
    if (!q->r_attr)
        return;
    if ((q->r_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
        mismatch(c, q, RPM_TYPE, "type: recorded %06o, replayed %06o", q->r_mode & S_IFMT,
                 st->st_mode & S_IFMT);
        return;
    }
    if ((S_ISREG(st->st_mode) || S_ISLNK(st->st_mode)) && q->r_size != st->st_size)
        mismatch(c, q, RPM_SIZE, "size: recorded %" PRId64 ", replayed %lld", q->r_size,
                 (long long)st->st_size);
}

static void check_bytes(struct rp_ctx *c, const struct rp_req *q, int64_t n)
{
    if (q->r_has_bytes && q->r_bytes != n)
        mismatch(c, q, RPM_BYTES, "bytes: recorded %" PRId64 ", replayed %" PRId64, q->r_bytes, n);
}

/* ---- maps ------------------------------------------------------------------------------- */

/* The fd of a replayed node, or -1. */
static int node_fd(struct rp_ctx *c, uint64_t nodeid)
{
    uint64_t v;
    pthread_mutex_lock(&c->mu);
    int fd = rmap_get(&c->nodes, nodeid, &v) ? ((struct rp_node *)(uintptr_t)v)->fd : -1;
    pthread_mutex_unlock(&c->mu);
    return fd;
}

/* Bind the recorded entry of `q` to `fd` (consumed), one lookup. */
static void bind_entry(struct rp_ctx *c, const struct rp_req *q, uint64_t nodeid, int fd)
{
    uint64_t v;
    pthread_mutex_lock(&c->mu);
    if (rmap_get(&c->nodes, nodeid, &v)) {
        ((struct rp_node *)(uintptr_t)v)->nlookup++;
        pthread_mutex_unlock(&c->mu);
        if (fd >= 0)
            close(fd);
        return;
    }
    struct rp_node *n = fd >= 0 ? malloc(sizeof *n) : NULL;
    if (n) {
        n->fd = fd;
        n->nlookup = 1;
        if (!rmap_put(&c->nodes, nodeid, (uint64_t)(uintptr_t)n)) {
            free(n);
            n = NULL;
        }
    }
    pthread_mutex_unlock(&c->mu);
    if (!n && fd >= 0)
        close(fd);
    (void)q;
}

static void forget(struct rp_ctx *c, uint64_t nodeid, uint64_t nlookup)
{
    uint64_t v;
    pthread_mutex_lock(&c->mu);
    if (nodeid != FUSE_ROOT_ID && rmap_get(&c->nodes, nodeid, &v)) {
        struct rp_node *n = (struct rp_node *)(uintptr_t)v;
        if (n->nlookup <= nlookup) {
            rmap_del(&c->nodes, nodeid, NULL);
            close(n->fd);
            free(n);
        } else {
            n->nlookup -= nlookup;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

static struct rp_fh *get_fh(struct rp_ctx *c, uint64_t fh)
{
    uint64_t v;
    pthread_mutex_lock(&c->mu);
    struct rp_fh *f = rmap_get(&c->fhs, fh, &v) ? (struct rp_fh *)(uintptr_t)v : NULL;
    pthread_mutex_unlock(&c->mu);
    return f;
}

static void bind_fh(struct rp_ctx *c, uint64_t fh, struct rp_fh *f)
{
    uint64_t v;
    pthread_mutex_lock(&c->mu);
    struct rp_fh *old = rmap_get(&c->fhs, fh, &v) ? (struct rp_fh *)(uintptr_t)v : NULL;
    bool ok = rmap_put(&c->fhs, fh, (uint64_t)(uintptr_t)f);
    pthread_mutex_unlock(&c->mu);
    if (old)
        fh_free(old);
    if (!ok)
        fh_free(f);
}

static struct rp_fh *take_fh(struct rp_ctx *c, uint64_t fh)
{
    uint64_t v;
    pthread_mutex_lock(&c->mu);
    struct rp_fh *f = rmap_del(&c->fhs, fh, &v) ? (struct rp_fh *)(uintptr_t)v : NULL;
    pthread_mutex_unlock(&c->mu);
    return f;
}

/* ---- credentials (shim/cred_switch.h, as the shim's per-request scope) ---------------- */

struct creds {
    bool switched;
    bool umask_set;
    mode_t umask_old;
};

/* The replaying process's own supplementary groups, given back after each
 * request run as its recorded caller. */
static gid_t *own_groups;
static int own_ngroups;
static pthread_once_t own_once = PTHREAD_ONCE_INIT;

static void own_groups_save(void)
{
    int n = getgroups(0, NULL);
    own_groups = n > 0 ? calloc((size_t)n, sizeof(*own_groups)) : NULL;
    n = own_groups ? getgroups(n, own_groups) : 0;
    own_ngroups = n > 0 ? n : 0;
}

static void creds_leave(struct creds *cr)
{
    if (cr->umask_set)
        cred_set_umask(cr->umask_old, &cr->umask_old);
    cr->umask_set = false;
    if (!cr->switched)
        return;
    cred_restore(own_groups, own_ngroups);
    cr->switched = false;
}

/* Run what follows as the recorded caller, as the shim did: its fsuid and
 * fsgid, and no supplementary groups (the recording does not hold them).
 * Only as root.  A failure ends the replay: going on would run the request
 * as root and compare the wrong results. */
static void creds_enter(const struct rp_req *q, struct creds *cr)
{
    /* The caller's umask, for the calls that create: as the daemon does
     * (shim/caller_umask.h), the target filesystem then applies it or the
     * parent's default ACL.  Recordings made before FUSE_DONT_MASK carry
     * modes already masked, where masking again changes nothing. */
    cr->umask_set = q->has_umask && cred_set_umask(q->umask, &cr->umask_old) == 0;
    cr->switched = false;
    if (geteuid() != 0 || (q->uid == 0 && q->gid == 0))
        return;
    pthread_once(&own_once, own_groups_save);
    int err = cred_set_groups(NULL, 0) < 0 ? errno : 0;
    if (!err) {
        cr->switched = true;
        if (cred_set_fsids(q->uid, q->gid) < 0) {
            err = EPERM;
            creds_leave(cr);
        }
    }
    if (err) {
        fprintf(stderr, "fusetrace replay: cannot act as uid %u gid %u for request %" PRIu64 ": %s\n",
                (unsigned)q->uid, (unsigned)q->gid, q->unique, strerror(err));
        exit(1);
    }
}

/* ---- helpers -------------------------------------------------------------------------- */

static int reopen(int opath, int flags)
{
    char p[PROC_FD_PATH_MAX];
    proc_fd_path(p, opath);
    int fd = open(p, (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL)) | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* The flags the shim opened the backing fd with (shim/ops_file.c
 * backing_flags), recorded in fh_event when available. */
static int open_flags(const struct rp_ctx *c, const struct rp_req *q)
{
    if (q->has_fh_event)
        return q->fh_flags;
    int flags = (int)q->flags & ~(O_APPEND | O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY | FUSE_OPEN_EXEC);
    if (c->rec->writeback && (flags & O_ACCMODE) == O_WRONLY)
        flags = (flags & ~O_ACCMODE) | O_RDWR;
    return flags;
}

/* A buffer of `size` bytes for WRITE: the captured data, then a pattern
 * that depends on the file offset (so overlapping writes agree). */
static void *write_buf(const struct rp_req *q, size_t size)
{
    void *p;
    size_t cap = (size + 4095) & ~(size_t)4095;
    if (posix_memalign(&p, 4096, cap ? cap : 4096) != 0)
        return NULL;
    uint8_t *b = p;
    size_t have = q->data_len < size ? q->data_len : size;
    if (have)
        memcpy(b, q->data, have);
    for (size_t i = have; i < size; i++)
        b[i] = (uint8_t)("fusetrace replay"[((uint64_t)q->offset + i) % 16]);
    return p;
}

static bool json_int(const char *json, const char *key, int64_t *out)
{
    if (!json)
        return false;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p)
        return false;
    *out = strtoll(p + strlen(pat), NULL, 10);
    return true;
}

/* lookup-like: an O_PATH fd for `name` in `pfd` and its attributes */
static int entry_at(int pfd, const char *name, struct stat *st)
{
    int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* The common end of entry requests: compare, then bind or drop the fd. */
static void finish_entry(struct rp_ctx *c, const struct rp_req *q, int fd_or_err,
                         const struct stat *st)
{
    int err = fd_or_err < 0 ? -fd_or_err : 0;
    if (check_err(c, q, err))
        check_attr(c, q, st);
    if (fd_or_err < 0)
        return;
    if (q->error == 0 && q->r_entry)
        bind_entry(c, q, q->r_nodeid, fd_or_err);
    else
        close(fd_or_err);
}

/* ---- directory listings --------------------------------------------------------------- */

static void listing_add(struct listing *l, uint32_t type, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **n = realloc(l->names, cap * sizeof *n);
        if (!n)
            return;
        l->names = n;
        l->cap = cap;
    }
    char *s;
    if (asprintf(&s, "%u/%s", type, name) >= 0)
        l->names[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void listing_compare(struct rp_ctx *c, const struct rp_req *q, struct rp_fh *f)
{
    qsort(f->rec.names, f->rec.n, sizeof(char *), cmp_str);
    qsort(f->rep.names, f->rep.n, sizeof(char *), cmp_str);
    size_t i = 0, j = 0, missing = 0, extra = 0;
    char first[600] = "";
    while (i < f->rec.n || j < f->rep.n) {
        int d = i == f->rec.n ? 1 : j == f->rep.n ? -1 : strcmp(f->rec.names[i], f->rep.names[j]);
        if (d == 0) {
            i++;
            j++;
            continue;
        }
        if (!first[0])
            snprintf(first, sizeof first, "%s '%s'", d < 0 ? "missing" : "extra",
                     d < 0 ? f->rec.names[i] : f->rep.names[j]);
        if (d < 0) {
            missing++;
            i++;
        } else {
            extra++;
            j++;
        }
    }
    if (missing || extra)
        mismatch(c, q, RPM_LISTING, "listing: %zu recorded entries, %zu replayed: %zu missing, "
                 "%zu extra (first: %s; entries are type/name)", f->rec.n, f->rep.n, missing,
                 extra, first);
    listing_clear(&f->rec);
    listing_clear(&f->rep);
}

static void do_readdir(struct rp_ctx *c, const struct rp_req *q, bool plus)
{
    struct rp_fh *f = q->has_fh ? get_fh(c, q->fh) : NULL;
    if (!f || !f->dp) {
        check_err(c, q, EBADF);
        return;
    }
    int dfd = dirfd(f->dp);
    if (q->offset == 0) {
        rewinddir(f->dp);
        listing_clear(&f->rec);
        listing_clear(&f->rep);
    }
    /* Fill a reply of the requested size the way the shim does. */
    size_t used = 0, room = q->has_size ? (size_t)q->size : 4096;
    int err = 0;
    for (;;) {
        long pos = telldir(f->dp);
        errno = 0;
        struct dirent *de = readdir(f->dp);
        if (!de) {
            err = errno;
            break;
        }
        size_t nl = strlen(de->d_name);
        size_t sz = plus ? FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + nl)
                         : FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nl);
        if (used + sz > room) {
            seekdir(f->dp, pos);
            break;
        }
        used += sz;
        listing_add(&f->rep, de->d_type, de->d_name);
    }
    if (used && err)
        err = 0;
    /* READDIRPLUS: each recorded entry with a node id is a lookup; bind
     * it to the object of that name here. */
    for (size_t i = 0; i < q->ndirents; i++) {
        const struct rp_dirent *d = &q->dirents[i];
        listing_add(&f->rec, d->type, d->name ? d->name : "");
        if (plus && d->nodeid && d->name && q->error == 0) {
            struct stat st;
            int fd = entry_at(dfd, d->name, &st);
            if (fd < 0)
                mismatch(c, q, RPM_LISTING, "entry '%s' (node %" PRIu64 ") cannot be looked "
                         "up: %s", d->name, d->nodeid, ename(-fd));
            else
                bind_entry(c, q, d->nodeid, fd);
        }
    }
    if (!check_err(c, q, err))
        return;
    if (q->r_has_count && q->r_count == 0)
        listing_compare(c, q, f);   /* the end of the listing */
}

/* ---- the requests ------------------------------------------------------------------------ */

static void do_create(struct rp_ctx *c, const struct rp_req *q, int pfd)
{
    int flags = open_flags(c, q);
    mode_t mode = (mode_t)q->mode;
    bool created = false;
    int fd = -EAGAIN;
    bool excl = q->has_flags && (q->flags & O_EXCL);
    struct creds cr;
    creds_enter(q, &cr);
    for (int i = 0; i < 8; i++) {
        fd = openat(pfd, q->name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0) {
            created = true;
            break;
        }
        fd = -errno;
        if (fd != -EEXIST || excl)
            break;
        fd = openat(pfd, q->name, flags | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
            break;
        fd = -errno;
        if (fd != -ENOENT)
            break;
    }
    creds_leave(&cr);
    struct stat st;
    int opath = -1;
    if (fd >= 0) {
        char p[PROC_FD_PATH_MAX];
        proc_fd_path(p, fd);
        opath = open(p, O_PATH | O_CLOEXEC);
        if (opath < 0 || fstat(fd, &st) < 0) {
            int e = errno;
            if (opath >= 0)
                close(opath);
            close(fd);
            fd = opath = -e;
        }
    }
    finish_entry(c, q, fd < 0 ? fd : opath, &st);
    if (fd < 0)
        return;
    if (q->error == 0 && q->has_fh_event && created != q->created)
        mismatch(c, q, RPM_CREATED, "created: recorded %d, replayed %d", q->created, created);
    if (q->error == 0 && q->r_open) {
        struct rp_fh *f = calloc(1, sizeof *f);
        if (f) {
            f->fd = fd;
            f->append = q->has_flags && (q->flags & O_APPEND);
            bind_fh(c, q->r_fh, f);
            return;
        }
    }
    close(fd);
}

static void do_open(struct rp_ctx *c, const struct rp_req *q, int nfd, bool dir)
{
    int flags = dir ? (O_RDONLY | O_DIRECTORY) : open_flags(c, q);
    struct creds cr;
    creds_enter(q, &cr);
    int fd = reopen(nfd, flags);
    creds_leave(&cr);
    if (!check_err(c, q, fd < 0 ? -fd : 0)) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct rp_fh *f = calloc(1, sizeof *f);
    if (!f) {
        close(fd);
        return;
    }
    f->fd = fd;
    f->append = !dir && q->has_flags && (q->flags & O_APPEND);
    if (dir && !(f->dp = fdopendir(fd))) {
        close(fd);
        free(f);
        return;
    }
    if (q->r_open)
        bind_fh(c, q->r_fh, f);
    else
        fh_free(f);
}

static void do_setattr(struct rp_ctx *c, const struct rp_req *q, int nfd)
{
    char p[PROC_FD_PATH_MAX];
    proc_fd_path(p, nfd);
    struct rp_fh *f = (q->valid & FATTR_FH) && q->has_fh ? get_fh(c, q->fh) : NULL;
    int ofd = f ? f->fd : -1;
    int err = 0;
    struct creds cr;
    creds_enter(q, &cr);
    if (!err && (q->valid & FATTR_MODE)) {
        if ((ofd >= 0 ? fchmod(ofd, (mode_t)q->mode) : chmod(p, (mode_t)q->mode)) < 0)
            err = errno;
    }
    if (!err && (q->valid & (FATTR_UID | FATTR_GID))) {
        int64_t uid = -1, gid = -1;
        if (q->valid & FATTR_UID)
            json_int(q->extra, "uid", &uid);
        if (q->valid & FATTR_GID)
            json_int(q->extra, "gid", &gid);
        if (fchownat(nfd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            err = errno;
    }
    if (!err && (q->valid & FATTR_SIZE)) {
        if ((ofd >= 0 ? ftruncate(ofd, q->size) : truncate(p, q->size)) < 0)
            err = errno;
    }
    if (!err && (q->valid & (FATTR_ATIME | FATTR_MTIME))) {
        struct timespec tv[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
        int64_t ns;
        if (q->valid & FATTR_ATIME_NOW)
            tv[0].tv_nsec = UTIME_NOW;
        else if ((q->valid & FATTR_ATIME) && json_int(q->extra, "atime_ns", &ns))
            tv[0] = (struct timespec){ ns / 1000000000LL, ns % 1000000000LL };
        if (q->valid & FATTR_MTIME_NOW)
            tv[1].tv_nsec = UTIME_NOW;
        else if ((q->valid & FATTR_MTIME) && json_int(q->extra, "mtime_ns", &ns))
            tv[1] = (struct timespec){ ns / 1000000000LL, ns % 1000000000LL };
        if ((ofd >= 0 ? futimens(ofd, tv) : utimensat(AT_FDCWD, p, tv, 0)) < 0)
            err = errno;
    }
    creds_leave(&cr);
    struct stat st;
    if (!err && fstatat(nfd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
        err = errno;
    if (check_err(c, q, err))
        check_attr(c, q, &st);
}

static void do_io(struct rp_ctx *c, const struct rp_req *q)
{
    struct rp_fh *f = q->has_fh ? get_fh(c, q->fh) : NULL;
    if (!f || f->fd < 0) {
        check_err(c, q, EBADF);
        return;
    }
    size_t size = q->has_size ? (size_t)q->size : 0;
    void *buf = write_buf(q, size);
    if (!buf) {
        check_err(c, q, ENOMEM);
        return;
    }
    ssize_t n;
    if (q->opcode == FUSE_READ) {
        n = pread(f->fd, buf, size, q->offset);
    } else {
        int64_t wf = 0;
        json_int(q->extra, "write_flags", &wf);
        bool append = f->append && q->has_flags && (q->flags & O_APPEND)
                      && !(wf & FUSE_WRITE_CACHE) && !c->rec->writeback;
        struct iovec iov = { buf, size };
        n = pwritev2(f->fd, &iov, 1, q->offset, append ? RWF_APPEND : 0);
    }
    int err = n < 0 ? errno : 0;
    free(buf);
    if (check_err(c, q, err))
        check_bytes(c, q, n);
}

static void do_lock(struct rp_ctx *c, const struct rp_req *q)
{
    struct rp_fh *f = q->has_fh ? get_fh(c, q->fh) : NULL;
    if (!f || f->fd < 0) {
        check_err(c, q, EBADF);
        return;
    }
    int r;
    if (q->has_flags && (q->flags & FUSE_LK_FLOCK)) {
        int op = q->lk_type == F_UNLCK ? LOCK_UN : q->lk_type == F_RDLCK ? LOCK_SH : LOCK_EX;
        r = flock(f->fd, op | LOCK_NB);
    } else {
        /* Open-file-description locks, never waiting: a replayed SETLKW
         * that would block (the recorded one did not, or it would not have
         * been granted in this order) is reported, not hung on. */
        struct flock fl = { .l_type = (short)q->lk_type, .l_whence = SEEK_SET,
                            .l_start = q->lk_start,
                            .l_len = q->lk_end == INT64_MAX || q->lk_end < 0 ? 0
                                     : q->lk_end - q->lk_start + 1 };
        r = fcntl(f->fd, q->opcode == FUSE_GETLK ? F_OFD_GETLK : F_OFD_SETLK, &fl);
    }
    check_err(c, q, r < 0 ? (errno == EWOULDBLOCK ? EAGAIN : errno) : 0);
}

void rp_exec(struct rp_ctx *c, const struct rp_req *q)
{
    if (q->opcode == FUSE_FORGET || q->opcode == FUSE_BATCH_FORGET) {
        for (size_t i = 0; i < q->nforgets; i++)
            forget(c, q->forgets[i].nodeid, q->forgets[i].nlookup);
        pthread_mutex_lock(&c->mu);
        c->replayed++;
        pthread_mutex_unlock(&c->mu);
        return;
    }
    pthread_mutex_lock(&c->mu);
    c->replayed++;
    pthread_mutex_unlock(&c->mu);

    /* requests on a file handle */
    switch (q->opcode) {
    case FUSE_READ:
    case FUSE_WRITE:
        do_io(c, q);
        return;
    case FUSE_READDIR:
    case FUSE_READDIRPLUS:
        do_readdir(c, q, q->opcode == FUSE_READDIRPLUS);
        return;
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR: {
        struct rp_fh *f = q->has_fh ? take_fh(c, q->fh) : NULL;
        check_err(c, q, f ? 0 : EBADF);
        if (f)
            fh_free(f);
        return;
    }
    case FUSE_FLUSH:
    case FUSE_FSYNC:
    case FUSE_FSYNCDIR:
    case FUSE_FALLOCATE:
    case FUSE_LSEEK: {
        struct rp_fh *f = q->has_fh ? get_fh(c, q->fh) : NULL;
        if (!f || f->fd < 0) {
            check_err(c, q, EBADF);
            return;
        }
        int fd = f->dp ? dirfd(f->dp) : f->fd, r;
        if (q->opcode == FUSE_FLUSH) {
            int d = dup(fd);
            r = d < 0 ? -1 : close(d);
        } else if (q->opcode == FUSE_FALLOCATE) {
            r = fallocate(fd, (int)q->mode, q->offset, q->size);
        } else if (q->opcode == FUSE_LSEEK) {
            r = lseek(fd, q->offset, (int)q->flags) < 0 ? -1 : 0;
        } else {
            r = (q->flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(fd) : fsync(fd);
        }
        check_err(c, q, r < 0 ? errno : 0);
        return;
    }
    case FUSE_COPY_FILE_RANGE: {
        int64_t fh_out = 0, off_out = 0;
        json_int(q->extra, "fh_out", &fh_out);
        json_int(q->extra, "off_out", &off_out);
        struct rp_fh *in = q->has_fh ? get_fh(c, q->fh) : NULL, *out = get_fh(c, (uint64_t)fh_out);
        if (!in || !out) {
            check_err(c, q, EBADF);
            return;
        }
        loff_t oi = q->offset, oo = off_out;
        ssize_t n = copy_file_range(in->fd, &oi, out->fd, &oo, (size_t)q->size,
                                    (unsigned)q->flags);
        if (check_err(c, q, n < 0 ? errno : 0))
            check_bytes(c, q, n);
        return;
    }
    case FUSE_GETLK:
    case FUSE_SETLK:
    case FUSE_SETLKW:
        do_lock(c, q);
        return;
    case FUSE_SYNCFS:
        check_err(c, q, syncfs(c->root_fd) < 0 ? errno : 0);
        return;
    default:
        break;
    }

    /* requests on a node */
    int nfd = node_fd(c, q->nodeid);
    if (nfd < 0) {
        check_err(c, q, ESTALE);
        return;
    }
    struct creds cr;
    struct stat st;
    char p[PROC_FD_PATH_MAX];
    proc_fd_path(p, nfd);
    switch (q->opcode) {
    case FUSE_LOOKUP: {
        creds_enter(q, &cr);
        int fd = entry_at(nfd, q->name, &st);
        creds_leave(&cr);
        finish_entry(c, q, fd, &st);
        break;
    }
    case FUSE_GETATTR: {
        struct rp_fh *f = q->has_fh ? get_fh(c, q->fh) : NULL;
        int r = f && f->fd >= 0 ? fstat(f->dp ? dirfd(f->dp) : f->fd, &st)
                                : fstatat(nfd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
        if (check_err(c, q, r < 0 ? errno : 0))
            check_attr(c, q, &st);
        break;
    }
    case FUSE_SETATTR:
        do_setattr(c, q, nfd);
        break;
    case FUSE_READLINK: {
        char buf[4097];
        ssize_t n = readlinkat(nfd, "", buf, sizeof buf - 1);
        if (check_err(c, q, n < 0 ? errno : 0)) {
            buf[n] = 0;
            if (q->r_name && strcmp(q->r_name, buf) != 0)
                mismatch(c, q, RPM_TARGET, "target: recorded '%s', replayed '%s'", q->r_name, buf);
        }
        break;
    }
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_SYMLINK: {
        int r;
        creds_enter(q, &cr);
        if (q->opcode == FUSE_MKDIR) {
            r = mkdirat(nfd, q->name, (mode_t)q->mode);
        } else if (q->opcode == FUSE_SYMLINK) {
            r = symlinkat(q->name2 ? q->name2 : "", nfd, q->name);
        } else if (S_ISREG(q->mode)) {
            int fd = openat(nfd, q->name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                            (mode_t)q->mode);
            r = fd < 0 ? -1 : close(fd);
        } else {
            int64_t rdev = 0;
            json_int(q->extra, "rdev", &rdev);
            r = mknodat(nfd, q->name, (mode_t)q->mode, (dev_t)rdev);
        }
        int fd = r < 0 ? -errno : 0;
        creds_leave(&cr);
        if (fd == 0)
            fd = entry_at(nfd, q->name, &st);
        finish_entry(c, q, fd, &st);
        break;
    }
    case FUSE_LINK: {
        int ofd = q->has_nodeid2 ? node_fd(c, q->nodeid2) : -1;
        if (ofd < 0) {
            check_err(c, q, ESTALE);
            break;
        }
        char op[PROC_FD_PATH_MAX];
        proc_fd_path(op, ofd);
        creds_enter(q, &cr);
        int r = linkat(AT_FDCWD, op, nfd, q->name, AT_SYMLINK_FOLLOW);
        int err = r < 0 ? errno : 0;
        creds_leave(&cr);
        if (check_err(c, q, err) && fstatat(ofd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0)
            check_attr(c, q, &st);
        if (!err && q->error == 0 && q->r_entry)
            bind_entry(c, q, q->r_nodeid, -1);   /* one more lookup on the existing node */
        break;
    }
    case FUSE_UNLINK:
    case FUSE_RMDIR: {
        creds_enter(q, &cr);
        int r = unlinkat(nfd, q->name, q->opcode == FUSE_RMDIR ? AT_REMOVEDIR : 0);
        int err = r < 0 ? errno : 0;
        creds_leave(&cr);
        check_err(c, q, err);
        break;
    }
    case FUSE_RENAME:
    case FUSE_RENAME2: {
        int npfd = q->has_nodeid2 ? node_fd(c, q->nodeid2) : -1;
        if (npfd < 0) {
            check_err(c, q, ESTALE);
            break;
        }
        unsigned flags = q->opcode == FUSE_RENAME2 && q->has_flags ? (unsigned)q->flags : 0;
        creds_enter(q, &cr);
        int r = renameat2(nfd, q->name, npfd, q->name2, flags);
        int err = r < 0 ? errno : 0;
        creds_leave(&cr);
        check_err(c, q, err);
        break;
    }
    case FUSE_OPEN:
        do_open(c, q, nfd, false);
        break;
    case FUSE_OPENDIR:
        do_open(c, q, nfd, true);
        break;
    case FUSE_CREATE:
        do_create(c, q, nfd);
        break;
    case FUSE_STATFS: {
        struct statvfs sv;
        check_err(c, q, fstatvfs(nfd, &sv) < 0 ? errno : 0);
        break;
    }
    case FUSE_ACCESS: {
        creds_enter(q, &cr);
        int r = faccessat(AT_FDCWD, p, (int)q->mode, AT_EACCESS);
        int err = r < 0 ? errno : 0;
        creds_leave(&cr);
        check_err(c, q, err);
        break;
    }
    case FUSE_GETXATTR:
    case FUSE_LISTXATTR: {
        size_t size = q->has_size ? (size_t)q->size : 0;
        char *buf = size ? malloc(size) : NULL;
        creds_enter(q, &cr);
        ssize_t n = q->opcode == FUSE_GETXATTR ? getxattr(p, q->name ? q->name : "", buf, size)
                                               : listxattr(p, buf, size);
        int err = n < 0 ? errno : 0;
        creds_leave(&cr);
        free(buf);
        if (check_err(c, q, err))
            check_bytes(c, q, n);
        break;
    }
    case FUSE_SETXATTR: {
        /* The value itself is not recorded: a value of the recorded size. */
        size_t size = q->has_size ? (size_t)q->size : 0;
        char *val = calloc(1, size ? size : 1);
        int64_t xf = q->has_flags ? q->flags : 0;
        creds_enter(q, &cr);
        int r = val ? setxattr(p, q->name ? q->name : "", val, size, (int)xf) : -1;
        int err = r < 0 ? (val ? errno : ENOMEM) : 0;
        creds_leave(&cr);
        free(val);
        check_err(c, q, err);
        break;
    }
    case FUSE_REMOVEXATTR: {
        creds_enter(q, &cr);
        int r = removexattr(p, q->name ? q->name : "");
        int err = r < 0 ? errno : 0;
        creds_leave(&cr);
        check_err(c, q, err);
        break;
    }
    default:
        pthread_mutex_lock(&c->mu);
        c->replayed--;
        c->skipped++;
        pthread_mutex_unlock(&c->mu);
        break;
    }
}
