/* ops_file.c — open files: open, create, read, write, flush, release,
 * fsync, fallocate, copy_file_range, lseek. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/magic.h>

#include "shim/backing.h"
#include "shim/caller_umask.h"
#include "shim/creds.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/lock_waiter.h"
#include "shim/reply.h"
#include "shim/wire_tap.h"

/* The flags the backing fd is opened with.
 *  - O_APPEND is never put on the backing fd: whether a write appends is
 *    decided per write from the file's *current* flags (fcntl(F_SETFL) can
 *    change them), via RWF_APPEND.  With the writeback cache the kernel
 *    appends itself using its own i_size, so appending again would double.
 *  - writeback: the kernel reads pages to fill partial writes, so a
 *    write-only open must be able to read (O_WRONLY -> O_RDWR).
 *  - O_NOFOLLOW is dropped because files are reopened through the magic
 *    link (see reopen_fd); O_CREAT/O_EXCL/O_NOCTTY never apply to a reopen. */
static int backing_flags(const struct fs *fs, int flags)
{
    flags &= ~(O_APPEND | O_NOFOLLOW | O_CREAT | O_EXCL | O_NOCTTY);
    if (fs->writeback_on && (flags & O_ACCMODE) == O_WRONLY)
        flags = (flags & ~O_ACCMODE) | O_RDWR;
    return flags;
}

/* The reply flags of an open answered in `mode`.  A passthrough open may
 * carry neither FOPEN_DIRECT_IO (data would go through the daemon again)
 * nor FOPEN_KEEP_CACHE (the kernel refuses it: a passthrough inode has no
 * page cache of its own). */
static void set_open_reply_flags(const struct fs *fs, struct fuse_file_info *fi, enum io_mode mode)
{
    fi->direct_io = mode == IO_DIRECT;
    fi->keep_cache = mode == IO_CACHED && fs->cfg.cache == CACHE_ALWAYS;
}

/* The path of an open source fd below the source root ("dir/file"), for
 * --io-rule and the record; the full link text if it is elsewhere.  Reads
 * the daemon's own /proc/self, never the caller's. */
static const char *source_path(const struct fs *fs, int fd, char *buf, size_t len)
{
    char link[PROC_FD_PATH_MAX];
    proc_fd_path(link, fd);
    ssize_t n = readlink(link, buf, len - 1);
    if (n < 0)
        return "";
    buf[n] = '\0';
    const char *root = fs->cfg.source;
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    if (strncmp(buf, root, rl) == 0 && buf[rl] == '/')
        return buf + rl + 1;
    return buf;
}

/* Decide the I/O mode of an open of `node` through its backing fd `fd`:
 * what the open asks for (--io-rule matched against its path, else --io),
 * and what the inode allows (itab_io_open).  Only regular files have one. */
static enum io_mode open_io_mode(struct fs *fs, struct inode *node, int fd, int32_t *backing_id)
{
    *backing_id = 0;
    if (!S_ISREG(inode_type(node)))
        return IO_NONE;
    const struct io_policy *p = &fs->cfg.io;
    char buf[PATH_MAX];
    const char *path = NULL;
    if (p->nrules || (rec_enabled() && io_policy_may_ask(p, IO_PASSTHROUGH)))
        path = source_path(fs, fd, buf, sizeof buf);
    enum io_mode asked = p->nrules ? io_policy_choose(p, path, NULL) : p->dflt;
    return itab_io_open(fs->itab, node, asked, fd, path, backing_id);
}

/* The kernel writes cached pages back through whichever writable handle
 * of the inode it has (a shared mapping of a file opened O_DIRECT, for
 * one): whole pages, except the last one, which ends at the file size.
 * Natively that is page-cache writeback, which O_DIRECT never restricts;
 * an O_DIRECT backing fd refuses the unaligned length (EINVAL), and msync
 * would fail and the data be lost.  So a writable O_DIRECT open gets a
 * second backing fd without O_DIRECT for those writes.  It is opened as the
 * daemon, as writeback natively needs no permission: the caller's own open
 * (same access mode) has just been allowed.  A daemon that is not root may
 * itself lack the permission (a read-only file it was asked to create
 * O_RDWR): then there is no second fd and such a write fails as before.
 * 0 with *cache_fd set (-1 if none is needed or possible), or -errno. */
static int open_cache_fd(int fd, int flags, int *cache_fd)
{
    *cache_fd = -1;
    if (!(flags & O_DIRECT) || (flags & O_ACCMODE) == O_RDONLY)
        return 0;
    int r = reopen_fd(fd, flags & ~(O_DIRECT | O_TRUNC));
    if (r == -EACCES || r == -EPERM)
        return 0;
    if (r < 0)
        return r;
    *cache_fd = r;
    return 0;
}

static struct fh_entry *new_fh(struct fs *fs, int fd, int cache_fd, uint64_t nodeid, int flags,
                               bool created, enum rec_fh_kind kind, enum io_mode mode)
{
    struct fh_entry *e = fht_add(fs->fht);
    if (!e)
        return NULL;
    e->fd = fd;
    e->cache_fd = cache_fd;
    e->io_mode = (uint8_t)mode;
    e->nodeid = nodeid;
    e->flags = flags;
    e->created = created;
    e->direct = (flags & O_DIRECT) != 0;
    if (rec_enabled()) {
        struct rec_fh_event ev = {
            .kind = kind, .fh = e->fh, .nodeid = nodeid, .flags = flags, .fd = fd, .created = created,
            .io_mode = mode, .size = fh_size_for_record(e),
        };
        rec_fh(&ev);
    }
    return e;
}

/* The kernel marks an open done by execve() with __FMODE_EXEC in the flags
 * it sends.  exec needs only execute permission, but our reopen for reading
 * would need read permission: so check execute as the caller, then open as
 * the daemon (what the kernel itself does for exec). */
#define FUSE_OPEN_EXEC 0x20

static int exec_open(fuse_req_t req, int fd, int flags)
{
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    int r = (int)AS_CALLER(req, "faccessat", fd, X_OK, NULL,
                           faccessat(AT_FDCWD, path, X_OK, AT_EACCESS));
    return r < 0 ? r : reopen_fd(fd, flags);
}

/* The open of `node` as the caller: the backing fd or -errno. */
static int open_as_caller(fuse_req_t req, int fd, int flags, int caller_flags)
{
    struct creds_scope cs;
    int r = creds_enter(req, &cs);
    if (r == 0) {
        r = reopen_fd(fd, flags);
        /* An append-only file (chattr +a) opens for writing only with
         * O_APPEND, which the backing fd otherwise never carries. */
        if (r == -EPERM && (caller_flags & O_APPEND) && (flags & O_ACCMODE) != O_RDONLY)
            r = reopen_fd(fd, flags | O_APPEND);
        creds_leave(&cs);
    }
    return r;
}

/* The rest of an OPEN once the backing fd `r` (or -errno) is there: the
 * reply, and the inode reference of `node` given back. */
static void open_finish(fuse_req_t req, struct inode *node, fuse_ino_t ino, int r, int flags,
                        struct fuse_file_info *fi, bool off_worker)
{
    struct fs *fs = fs_of(req);
    int cache_fd = -1;
    if (r >= 0) {
        int c = open_cache_fd(r, flags, &cache_fd);
        if (c < 0) {
            close(r);
            r = c;
        }
    }
    /* decided last, once nothing can fail before the reply */
    int32_t backing_id = 0;
    enum io_mode mode = r >= 0 ? open_io_mode(fs, node, r, &backing_id) : IO_NONE;
    op_inode_done(req, node);
    if (r < 0) {
        reply_err(req, -r);
        return;
    }
    struct fh_entry *e = new_fh(fs, r, cache_fd, ino, flags, false, REC_FH_OPEN, mode);
    if (!e) {
        int err = errno;
        close(r);
        if (cache_fd >= 0)
            close(cache_fd);
        itab_io_release(fs->itab, ino, mode, IO_WHY_REPLY_FAILED);
        reply_err(req, err);
        return;
    }
    e->off_worker = off_worker;
    fi->fh = e->fh;
    set_open_reply_flags(fs, fi, mode);
    reply_open(req, fi, backing_id);
}

/* Files of a procfs mounted inside the source (a chroot's or container's
 * /proc).  Opening /proc/PID/maps, environ, mem... (mm_access) and reading
 * /proc/PID/stat (do_task_stat) wait while process PID is in execve()
 * holding its exec_update_lock — and an exec closes its close-on-exec
 * files meanwhile, each close of a file on this mount a FLUSH that waits
 * for a worker.  With as many such opens or reads of an exec'ing caller at
 * once as there are workers (`ps` in the chroot while its build execs), no
 * worker was left for the FLUSH and the mount froze for good.  So they run
 * on a thread of their own each (the lock waiters' mechanism), which
 * replies; the FLUSH finds a worker, the exec goes on, the thread's call
 * returns.  No FUSE_INTERRUPT callback: those waits end for SIGKILL only. */
static bool on_procfs(struct fs *fs, struct inode *node, int fd)
{
    /* An object on the source root's own filesystem is on a procfs only if
     * that one is: the fstatfs is spent only on objects of other mounts. */
    if (inode_dev(node) == fs->source_dev && !fs->source_is_procfs)
        return false;
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

static int proc_open_wait(struct waiter *w)
{
    int r = open_as_caller(w->req, w->fd, w->flags, w->fi.flags);
    if (r < 0)
        return r;
    w->result = r;
    return 0;
}

static void proc_open_done(struct waiter *w, int r)
{
    close(w->fd);
    if (waiter_abandoned(w)) {
        if (r == 0)
            close((int)w->result);
        op_inode_done(w->req, w->node);
        reply_none(w->req);
        return;
    }
    open_finish(w->req, w->node, w->ino, r == 0 ? (int)w->result : r, w->flags, &w->fi, true);
}

static int proc_read_wait(struct waiter *w)
{
    w->buf = malloc(w->size ? w->size : 1);
    if (!w->buf)
        return -ENOMEM;
    ssize_t n = BACKING("pread", w->fd, w->off, NULL, pread(w->fd, w->buf, w->size, w->off));
    if (n < 0)
        return -errno;
    w->result = n;
    return 0;
}

static void proc_read_done(struct waiter *w, int r)
{
    close(w->fd);
    if (waiter_abandoned(w))
        reply_none(w->req);
    else if (r < 0)
        reply_err(w->req, -r);
    else
        reply_buf(w->req, w->buf, (size_t)w->result);
    free(w->buf);
}

/* Hand a procfs OPEN to a thread of its own (see on_procfs); consumes the
 * reference on `node`.  With no thread to be had: EAGAIN. */
static void proc_open_off_worker(fuse_req_t req, struct inode *node, fuse_ino_t ino, int fd,
                                 int flags, const struct fuse_file_info *fi)
{
    struct inode_table *itab = fs_of(req)->itab;
    struct waiter *w = waiter_new_dup(req, fd);
    if (!w) {
        itab_put(itab, node);   /* the request is answered (and freed) already */
        return;
    }
    w->ino = ino;
    w->node = node;
    w->flags = flags;
    w->fi = *fi;
    w->wait = proc_open_wait;
    w->done = proc_open_done;
    w->uninterruptible = true;
    w->no_thread_errno = EAGAIN;
    w->thread_name = "ft-proc";
    waiter_start(req, w);
}

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fs *fs = fs_of(req);
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    int flags = backing_flags(fs, fi->flags) & ~FUSE_OPEN_EXEC;
    int r;
    if ((fi->flags & FUSE_OPEN_EXEC) && fs->creds && (flags & O_ACCMODE) == O_RDONLY) {
        r = exec_open(req, fd, flags);
    } else if (on_procfs(fs, node, fd)) {
        proc_open_off_worker(req, node, ino, fd, flags, fi);
        return;
    } else {
        r = open_as_caller(req, fd, flags, fi->flags);
    }
    open_finish(req, node, ino, r, flags, fi, false);
}

/* FUSE_CREATE is lookup + create + open in one request, and the kernel
 * treats the file as created by this call whatever we answer (libfuse 3.14
 * cannot say otherwise).  So: try to create exclusively; only if the name
 * exists and the caller did not ask for O_EXCL, open what is there; if that
 * vanished in between (a racing unlink), try again.  The entry is bound to
 * the fd actually opened — the name is never resolved a second time.
 *
 * What is there may be anything an outside process put under the name
 * after the kernel's LOOKUP said "no such file".  It is first opened
 * O_PATH, which never blocks and has no side effects (a FIFO opened for
 * writing would wait for a reader forever; a device open can act on the
 * device), and only a regular file is reopened for I/O.  Anything else
 * gets ESTALE: a CREATE reply must carry a regular file (fuse_create_open
 * answers EIO otherwise, and neither releases the fh nor forgets the
 * entry), and ESTALE makes the kernel redo the open with LOOKUP_REVAL,
 * which now finds the name and opens it as natively (a FIFO or device by
 * the kernel itself, a directory gives EISDIR, a symlink is followed). */
#define CREATE_RETRIES 8

static int open_existing(const struct fs *fs, int pfd, const char *name, int flags)
{
    int opath = (int)BACKING("openat", pfd, O_PATH | O_NOFOLLOW, name,
                             openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (opath < 0)
        return -errno;
    struct stat st;
    int r = refuse_own_mount(fs, opath);
    if (r == 0)
        r = stat_fd(opath, &st);
    if (r == 0)
        r = S_ISREG(st.st_mode) ? reopen_fd(opath, flags) : -ESTALE;
    close(opath);
    return r;
}

static int create_or_open(const struct fs *fs, int pfd, const char *name, int flags, bool caller_excl, mode_t mode,
                          bool *created)
{
    for (int i = 0; i < CREATE_RETRIES; i++) {
        int fd = (int)BACKING("openat", pfd, flags | O_CREAT | O_EXCL, name,
                              openat(pfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (fd >= 0) {
            *created = true;
            return fd;
        }
        if (errno != EEXIST || caller_excl)
            return -errno;
        fd = open_existing(fs, pfd, name, flags);
        if (fd >= 0) {
            *created = false;
            return fd;
        }
        /* ENOENT: removed since; ESTALE: not a regular file — which may
         * be gone a moment later too, so that is worth another try. */
        if (fd != -ENOENT && fd != -ESTALE)
            return fd;
        sched_yield();   /* let whoever is changing the name finish */
    }
    /* Still no regular file to create or open.  Either the name holds
     * something else (a FIFO, a directory...), which the kernel opens itself
     * after ESTALE (see above), or someone keeps creating and removing it
     * faster than we can do either.  Natively the latter cannot happen
     * (open(O_CREAT) holds the directory lock across lookup and create), so
     * no errno is native; ESTALE makes the kernel retry the whole open once
     * with LOOKUP_REVAL, and if that loses as well it is what a caller on a
     * network filesystem (NFS) gets for the same churn.  EAGAIN would claim
     * a non-blocking open that would block, which this is not. */
    return -ESTALE;
}

/* FUSE_TMPFILE (handed to us as CREATE by the wire tap; the name is "/"):
 * an unnamed regular file in the directory, as open(O_TMPFILE) makes it. */
static int tmpfile_open(int pfd, int flags, mode_t mode, bool *created)
{
    int fd = (int)BACKING("openat", pfd, flags | O_TMPFILE, ".",
                          openat(pfd, ".", (flags & ~O_DIRECTORY) | O_TMPFILE | O_CLOEXEC, mode));
    if (fd < 0)
        return -errno;
    *created = true;
    return fd;
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
    struct fs *fs = fs_of(req);
    int pfd;
    bool tmpfile = wire_tap_original_opcode() == FUSE_TMPFILE;
    if (!tmpfile && !name_is_child(name)) {
        reply_err(req, EINVAL);
        return;
    }
    struct inode *p = op_inode(req, parent, &pfd);
    if (!p)
        return;
    int flags = backing_flags(fs, fi->flags);
    bool created = false;
    int fd = -1, opath = -1;
    struct creds_scope cs;
    struct umask_scope us;
    int r = caller_umask_enter(req, &us);
    if (r == 0 && (r = creds_enter(req, &cs)) == 0) {
        fd = tmpfile ? tmpfile_open(pfd, flags, mode, &created)
                     : create_or_open(fs, pfd, name, flags, (fi->flags & O_EXCL) != 0, mode, &created);
        creds_leave(&cs);
        r = fd < 0 ? fd : 0;
    }
    caller_umask_leave(&us);
    if (r == 0) {
        char path[PROC_FD_PATH_MAX];
        proc_fd_path(path, fd);
        opath = open(path, O_PATH | O_CLOEXEC);
        r = opath < 0 ? -errno : 0;
    }
    int cache_fd = -1;
    if (r == 0 && (r = open_cache_fd(fd, flags, &cache_fd)) < 0)
        close(opath);   /* entry_from_fd would have consumed it */
    struct fuse_entry_param e = { 0 };
    if (r == 0)
        r = entry_from_fd(fs, opath, parent, tmpfile ? NULL : name, REC_CAUSE_CREATE, &e);
    op_inode_done(req, p);
    if (r < 0) {
        if (fd >= 0)
            close(fd);
        if (cache_fd >= 0)
            close(cache_fd);
        reply_err(req, -r);
        return;
    }
    int32_t backing_id = 0;
    enum io_mode io = IO_NONE;
    struct inode *node = itab_get(fs->itab, e.ino);
    if (node) {
        io = open_io_mode(fs, node, fd, &backing_id);
        itab_put(fs->itab, node);
    }
    struct fh_entry *fh = new_fh(fs, fd, cache_fd, e.ino, flags, created, REC_FH_CREATE, io);
    if (!fh) {
        int err = errno;
        close(fd);
        if (cache_fd >= 0)
            close(cache_fd);
        itab_io_release(fs->itab, e.ino, io, IO_WHY_REPLY_FAILED);
        itab_unref(fs->itab, e.ino, 1, REC_CAUSE_REPLY_FAILED);
        reply_err(req, err);
        return;
    }
    fi->fh = fh->fh;
    set_open_reply_flags(fs, fi, io);
    reply_create(req, &e, fi, backing_id);
}

/* A per-thread buffer, page aligned so that O_DIRECT backing fds accept it.
 * Used when the data must pass through our memory: recording (to time the
 * syscall itself), O_DIRECT, appends.  A thread-specific key frees it when a
 * worker thread exits. */
static pthread_key_t io_buf_key;
static pthread_once_t io_buf_once = PTHREAD_ONCE_INIT;
static _Thread_local char *io_buf;
static _Thread_local size_t io_cap;

static void io_buf_key_init(void) { pthread_key_create(&io_buf_key, free); }

static char *thread_io_buf(size_t size)
{
    if (size <= io_cap && io_buf)
        return io_buf;
    void *p;
    size_t cap = (size + 4095) & ~(size_t)4095;
    if (cap == 0)
        cap = 4096;
    if (posix_memalign(&p, 4096, cap) != 0)
        return NULL;
    pthread_once(&io_buf_once, io_buf_key_init);
    free(io_buf);
    io_buf = p;
    io_cap = cap;
    pthread_setspecific(io_buf_key, p);
    return io_buf;
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    if (fh->off_worker) {
        /* a procfs file (see on_procfs): on a thread of its own */
        struct waiter *w = waiter_new_dup(req, fh->fd);
        if (!w)
            return;
        w->off = off;
        w->size = size;
        w->wait = proc_read_wait;
        w->done = proc_read_done;
        w->uninterruptible = true;
        w->no_thread_errno = EAGAIN;
        w->thread_name = "ft-proc";
        waiter_start(req, w);
        return;
    }
    if (!rec_enabled() && !fh->direct) {
        /* libfuse preads (or splices) straight from the fd into the reply.
         * Nothing records here; the stall watchdog sees the thread in a
         * call on the source file while libfuse reads it. */
        struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
        bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
        bv.buf[0].fd = fh->fd;
        bv.buf[0].pos = off;
        const bool splice = fs_of(req)->cfg.splice;
        (void)BACKING(splice ? "splice" : "pread", fh->fd, off, NULL,
                      (reply_data(req, &bv, splice ? FUSE_BUF_SPLICE_MOVE : FUSE_BUF_NO_SPLICE), 0));
        return;
    }
    char *buf = thread_io_buf(size);
    if (!buf) {
        reply_err(req, ENOMEM);
        return;
    }
    ssize_t n = BACKING("pread", fh->fd, off, NULL, pread(fh->fd, buf, size, off));
    if (n < 0)
        reply_err(req, errno);
    else
        reply_buf(req, buf, (size_t)n);
}

/* Write `len` bytes at `off`.  A short write is what the caller sees
 * natively when the disk fills (write(2) returns less), so it is passed on —
 * except for data from the page cache (writeback cache, or a writepage):
 * the kernel ignores a short count there and the rest would vanish without
 * an error.  Those writes continue until done, or until no progress, and
 * then fail with the errno (ENOSPC) so the kernel marks the page in error
 * and fsync reports it.  Returns bytes written or -errno. */
static ssize_t write_all(int fd, const char *buf, size_t len, off_t off, bool append, bool from_cache)
{
    size_t done = 0;
    while (done < len) {
        struct iovec iov = { .iov_base = (char *)buf + done, .iov_len = len - done };
        ssize_t n = BACKING("pwritev2", fd, off + (off_t)done, NULL,
                            pwritev2(fd, &iov, 1, off + (off_t)done, append ? RWF_APPEND : 0));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return done && !from_cache ? (ssize_t)done : -errno;
        }
        if (n == 0)
            return done && !from_cache ? (ssize_t)done : -ENOSPC;
        done += (size_t)n;
        if (!from_cache)
            break;
    }
    return (ssize_t)done;
}

/* Setuid/setgid removal on write, fallocate and copy_file_range.  Natively
 * a process without CAP_FSETID that modifies a file clears S_ISUID, and
 * S_ISGID if the file is group-executable or the writer is outside its
 * group.  Through FUSE the kernel does it before a cached write, and before
 * FALLOCATE and COPY_FILE_RANGE, but only with its own older rule (S_ISGID
 * only with group-exec); for direct I/O writes (--io=direct) it sets
 * FUSE_WRITE_KILL_SUIDGID for the server, which libfuse 3.14 does not pass
 * on — and the daemon modifies the file with CAP_FSETID, so the bits
 * stayed.  A modification of a setuid/setgid file by a caller without
 * CAP_FSETID therefore runs so that the source applies the native rule
 * itself: as the caller (its fsuid, fsgid and groups; the switch drops
 * CAP_FSETID), or, for a caller with the daemon's ids, with CAP_FSETID
 * lowered.  Writepage writes carry no caller; the kernel has done its part
 * before them.  The check costs one fstat, only where the kernel may have
 * left work to do. */
struct write_scope {
    struct creds_scope cs;
    bool lowered;
};

/* `kernel_did_it`: the kernel applied the full native rule itself (a
 * writepage, or a cached write the daemon need not redo). */
static int write_scope_enter(fuse_req_t req, int fd, bool kernel_did_it, struct write_scope *ws)
{
    ws->cs.switched = false;
    ws->lowered = false;
    if (kernel_did_it)
        return 0;
    struct stat st;
    /* caller_has_cap asks the credentials thread for /proc/TID/status
     * (spinlocks and RCU only, never the exec_update_lock an exec holds
     * while it waits for a FLUSH: proc_reader.c) and waits for it at most
     * 100 ms; this thread reads nothing of the caller's itself. */
    if (stat_fd(fd, &st) < 0 || !(st.st_mode & (S_ISUID | S_ISGID)) ||
        caller_has_cap(req, CAP_FSETID))
        return 0;
    int r = creds_enter(req, &ws->cs);
    if (r == 0 && !ws->cs.switched) {
        r = cap_effective(CAP_FSETID, false);
        ws->lowered = r == 0;
    }
    return r;
}

static void write_scope_leave(struct write_scope *ws)
{
    if (ws->lowered)
        cap_effective(CAP_FSETID, true);
    creds_leave(&ws->cs);
}

/* The write itself: bytes written or -errno. */
static ssize_t write_data(struct fs *fs, struct fh_entry *fh, struct fuse_bufvec *in_buf, off_t off,
                          const struct fuse_file_info *fi)
{
    size_t size = fuse_buf_size(in_buf);
    /* fi->flags are the file's current flags; a writepage (delayed
     * writeback) write never appends, whatever the file says. */
    bool append = (fi->flags & O_APPEND) && !fi->writepage && !fs->writeback_on;
    bool cached = fi->writepage || fs->writeback_on;
    /* the kernel's own writes of cached pages never go through O_DIRECT */
    int fd = fi->writepage && fh->cache_fd >= 0 ? fh->cache_fd : fh->fd;
    bool direct = fh->direct && fd == fh->fd;
    if (!append && !direct && !rec_enabled() && !cached) {
        struct fuse_bufvec out = FUSE_BUFVEC_INIT(size);
        out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
        out.buf[0].fd = fd;
        out.buf[0].pos = off;
        return fuse_buf_copy(&out, in_buf, fs->cfg.splice ? 0 : FUSE_BUF_NO_SPLICE);
    }
    char *buf = thread_io_buf(size);
    if (!buf)
        return -ENOMEM;
    struct fuse_bufvec mem = FUSE_BUFVEC_INIT(size);
    mem.buf[0].mem = buf;
    ssize_t got = fuse_buf_copy(&mem, in_buf, FUSE_BUF_NO_SPLICE);
    if (got < 0)
        return got;
    return write_all(fd, buf, (size_t)got, off, append, cached);
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in_buf, off_t off,
                  struct fuse_file_info *fi)
{
    (void)ino;
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    struct fs *fs = fs_of(req);
    struct write_scope ws;
    ssize_t n = write_scope_enter(req, fh->fd,
                                  fi->writepage || !(fs->creds || fh->io_mode == IO_DIRECT), &ws);
    if (n == 0) {
        n = write_data(fs, fh, in_buf, off, fi);
        write_scope_leave(&ws);
    }
    if (n < 0)
        reply_err(req, (int)-n);
    else
        reply_write(req, (size_t)n);
}

/* close() on a dup has the side effects a close of the caller's fd would
 * have on the source (NFS close-to-open flush, for instance).  POSIX locks
 * of the closing process are dropped here too: the kernel does not send an
 * unlock for remote locks on close, it sends FLUSH with the lock owner. */
void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fs *fs = fs_of(req);
    locks_release_owner(fs, ino, fi->lock_owner);
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    int dupfd = dup(fh->fd);
    int r = dupfd < 0 ? -1 : (int)BACKING("close", dupfd, 0, NULL, close(dupfd));
    reply_err(req, r < 0 ? errno : 0);
}

void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fs *fs = fs_of(req);
    struct fh_entry *fh = fht_remove(fs->fht, fi->fh);
    if (!fh) {
        reply_err(req, EBADF);
        return;
    }
    if (fi->lock_owner)
        locks_release_owner(fs, ino, fi->lock_owner);
    locks_release_fh(fs, ino, fi->fh);
    if (rec_enabled()) {
        struct rec_fh_event ev = {
            .kind = REC_FH_RELEASE, .fh = fh->fh, .nodeid = fh->nodeid, .flags = fh->flags,
            .fd = fh->fd, .created = fh->created, .io_mode = fh->io_mode,
            .size = fh_size_for_record(fh),
        };
        rec_fh(&ev);
    }
    itab_io_release(fs->itab, fh->nodeid, (enum io_mode)fh->io_mode, IO_WHY_RELEASE);
    /* Closing the fd also drops a flock() held through it (fi->flock_release). */
    BACKING("close", fh->fd, 0, NULL, close(fh->fd));
    fh->fd = -1;
    fh_entry_free(fh);
    reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    (void)ino;
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    long r = datasync ? BACKING("fdatasync", fh->fd, 0, NULL, fdatasync(fh->fd))
                      : BACKING("fsync", fh->fd, 0, NULL, fsync(fh->fd));
    reply_err(req, r < 0 ? errno : 0);
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                  struct fuse_file_info *fi)
{
    (void)ino;
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    struct write_scope ws;
    long r = write_scope_enter(req, fh->fd, false, &ws);
    if (r == 0) {
        r = BACKING("fallocate", fh->fd, mode, NULL, fallocate(fh->fd, mode, offset, length));
        if (r < 0)
            r = -errno;
        write_scope_leave(&ws);
    }
    reply_err(req, (int)-r);
}

void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, struct fuse_file_info *fi_in,
                        fuse_ino_t ino_out, off_t off_out, struct fuse_file_info *fi_out,
                        size_t len, int flags)
{
    (void)ino_in;
    (void)ino_out;
    struct fh_table *t = fs_of(req)->fht;
    struct fh_entry *in = fht_get(t, fi_in->fh), *out = fht_get(t, fi_out->fh);
    if (!in || !out) {
        reply_err(req, EBADF);
        return;
    }
    loff_t oi = off_in, oo = off_out;
    struct write_scope ws;
    ssize_t n = write_scope_enter(req, out->fd, false, &ws);
    if (n == 0) {
        n = BACKING("copy_file_range", in->fd, (long)len, NULL,
                    copy_file_range(in->fd, &oi, out->fd, &oo, len, (unsigned)flags));
        if (n < 0)
            n = -errno;
        write_scope_leave(&ws);
    }
    if (n < 0)
        reply_err(req, (int)-n);
    else
        reply_write(req, (size_t)n);
}

/* Only SEEK_DATA/SEEK_HOLE reach us (the kernel does the rest); the backing
 * fd's own position is irrelevant because all I/O is positional.
 *
 * The answer comes from the source's extent map, which knows nothing of
 * data the kernel still holds dirty in the mount's page cache (the
 * writeback cache, or a shared mapping written and not yet msync'ed):
 * natively such data is found, and a hole must never be reported where
 * written data is.  So the kernel is first asked to write back and drop
 * the inode's cached pages from `off` on (FUSE_NOTIFY_INVAL_INODE: it
 * launders dirty pages — WRITE requests that workers serve — and waits for
 * them, uninterruptibly, before the notification returns), and the source
 * answers after that, as a native filesystem would.
 *
 * That wait must not take every worker: with all of them in it (ten
 * processes seeking at once on a default mount) none is left to serve the
 * WRITEs it waits for, and the mount stops for good.  So at most
 * threads - 1 workers wait in it at once, which always leaves one for the
 * WRITEs; a seek beyond that (a storm of them, or a single worker) waits
 * on a thread of its own (the lock waiters' mechanism), which replies.
 * Not on a thread always: starting one per seek made each SEEK_DATA cost
 * 3-4 times as much.  Not for a passthrough inode: its pages are the
 * source file's own, and the source answers at once. */
static int seek_wait(struct waiter *w)
{
    struct fs *fs = fs_of(w->req);
    int r = fuse_lowlevel_notify_inval_inode(fs->se, w->ino, w->off, 0);
    if (r < 0 && r != -ENOENT)
        BACKING("notify_inval_inode", -1, w->off, NULL, (errno = -r, -1L));
    off_t o = BACKING("lseek", w->fd, w->whence, NULL, lseek(w->fd, w->off, w->whence));
    if (o < 0)
        return -errno;
    w->result = o;
    return 0;
}

/* The seek on the worker itself.  0 or -errno. */
static int seek_inline(fuse_req_t req, fuse_ino_t ino, int fd, off_t off, int whence,
                       off_t *result)
{
    struct waiter w = { .req = req, .ino = ino, .fd = fd, .off = off, .whence = whence };
    int r = seek_wait(&w);
    *result = w.result;
    return r;
}

static void seek_done(struct waiter *w, int r)
{
    if (w->fd >= 0)
        close(w->fd);
    if (waiter_abandoned(w))
        reply_none(w->req);
    else if (r < 0)
        reply_err(w->req, -r);
    else
        reply_lseek(w->req, w->result);
}

void op_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    if (fh->io_mode == IO_PASSTHROUGH) {
        off_t r = BACKING("lseek", fh->fd, whence, NULL, lseek(fh->fd, off, whence));
        if (r < 0)
            reply_err(req, errno);
        else
            reply_lseek(req, r);
        return;
    }
    struct fs *fs = fs_of(req);
    if (atomic_fetch_add(&fs->seek_waits, 1) < (int)fs->cfg.threads - 1) {
        off_t where = 0;
        int r = seek_inline(req, ino, fh->fd, off, whence, &where);
        atomic_fetch_sub(&fs->seek_waits, 1);
        if (r < 0)
            reply_err(req, -r);
        else
            reply_lseek(req, where);
        return;
    }
    atomic_fetch_sub(&fs->seek_waits, 1);
    struct waiter *w = waiter_new_dup(req, fh->fd);
    if (!w)
        return;
    w->ino = ino;
    w->off = off;
    w->whence = whence;
    w->wait = seek_wait;
    w->done = seek_done;
    w->uninterruptible = true;
    /* No thread: ENOSYS makes the kernel answer this and every later
     * SEEK_DATA/SEEK_HOLE itself (all data up to its size, which includes
     * what it holds dirty): coarser than natively, never wrong, and no
     * worker waits. */
    w->no_thread_errno = ENOSYS;
    w->thread_name = "ft-seek";
    waiter_start(req, w);
}
