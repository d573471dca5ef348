/* ops_entry.c — names: lookup, forget, the ops that make or remove names.
 *
 * Each op has the same short shape: borrow the parent, run the syscall with
 * the caller's credentials, make the entry (one lookup reference), reply
 * through the wrapper that undoes the reference if the reply fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/caller_umask.h"
#include "shim/creds.h"
#include "shim/handle.h"
#include "shim/stat_id.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/reply.h"

/* LOOKUP of "." in `nodeid`: the kernel decodes one of its file handles
 * (open_by_handle_at, NFS export) for an inode it no longer caches, and asks
 * for the entry of that very nodeid (it refuses any other).  Live: one more
 * lookup.  Forgotten but remembered: opened again by the source handle and
 * brought back under the same nodeid (inode_table.h).  Otherwise, or if the
 * source file is gone: ESTALE, as natively for a handle of a deleted file. */
static void lookup_self(fuse_req_t req, fuse_ino_t nodeid)
{
    struct fs *fs = fs_of(req);
    struct fuse_entry_param e = { 0 };
    struct file_handle *h;
    uint64_t mnt_id;
    int r = itab_ref_self(fs->itab, nodeid, REC_CAUSE_LOOKUP_DOT, &h, &mnt_id);
    if (r == 0) {
        struct inode *ino = itab_get(fs->itab, nodeid);
        int fd = ino ? inode_fd(fs->itab, ino) : -ESTALE;
        r = fd < 0 ? fd : stat_fd(fd, &e.attr);
        itab_put(fs->itab, ino);
        if (r < 0)
            itab_unref(fs->itab, nodeid, 1, REC_CAUSE_REPLY_FAILED);
    } else if (r == 1) {
        struct found f = { .handle = h };
        f.fd = handle_open(fs->mfds, mnt_id, h, O_PATH);
        if ((f.fd == -EMFILE || f.fd == -ENFILE) && itab_shed_fds(fs->itab) > 0)
            f.fd = handle_open(fs->mfds, mnt_id, h, O_PATH);
        r = f.fd < 0 ? f.fd : stat_with_mnt_id(f.fd, &f.st, &f.mnt_id);
        if (r < 0) {
            itab_record_stale(fs->itab, nodeid, REC_CAUSE_LOOKUP_DOT, -r);
            if (f.fd >= 0)
                close(f.fd);
            free(h);
        } else {
            memcpy(&e.attr, &f.st, sizeof(f.st));
            r = itab_revive(fs->itab, &f, nodeid, REC_CAUSE_LOOKUP_DOT);
        }
    }
    if (r < 0) {
        reply_err(req, -r);
        return;
    }
    e.ino = nodeid;
    e.attr_timeout = fs->attr_timeout;
    e.entry_timeout = fs->entry_timeout;
    reply_entry(req, &e);
}

/* LOOKUP of ".." in directory `nodeid`: the kernel reconnects a directory
 * it decoded from a file handle to the tree, one parent at a time up to the
 * mount's root.  The source's own ".." of the directory, found as the
 * caller; the source root is nodeid 1 (the kernel never asks for the parent
 * of the root itself). */
static void lookup_parent(fuse_req_t req, fuse_ino_t nodeid)
{
    struct fs *fs = fs_of(req);
    struct fuse_entry_param e = { 0 };
    if (nodeid == FUSE_ROOT_ID) {
        reply_err(req, ENOENT);
        return;
    }
    int fd;
    struct inode *dir = op_inode(req, nodeid, &fd);
    if (!dir)
        return;
    int pfd = -1;
    struct creds_scope cs;
    int r = creds_enter(req, &cs);
    if (r == 0) {
        pfd = (int)BACKING("openat", fd, O_PATH | O_DIRECTORY, "..",
                           openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
        r = pfd < 0 ? -errno : 0;
        creds_leave(&cs);
    }
    uint64_t mnt_id;
    if (r == 0 && (r = stat_with_mnt_id(pfd, &e.attr, &mnt_id)) == 0 &&
        itab_is_root_ids(fs->itab, &e.attr, mnt_id)) {
        close(pfd);
        r = itab_ref(fs->itab, FUSE_ROOT_ID, REC_CAUSE_LOOKUP_DOTDOT);
        e.ino = FUSE_ROOT_ID;
        e.attr_timeout = fs->attr_timeout;
        e.entry_timeout = fs->entry_timeout;
    } else if (r == 0) {
        r = entry_from_fd(fs, pfd, 0, NULL, REC_CAUSE_LOOKUP_DOTDOT, &e);
    } else if (pfd >= 0) {
        close(pfd);
    }
    op_inode_done(req, dir);
    if (r < 0)
        reply_err(req, -r);
    else
        reply_entry(req, &e);
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fs *fs = fs_of(req);
    struct fuse_entry_param e = { 0 };
    int pfd;
    /* "." and ".." come only from the kernel's file-handle decoding
     * (export support), never from a path walk. */
    if (!strcmp(name, ".")) {
        lookup_self(req, parent);
        return;
    }
    if (!strcmp(name, "..")) {
        lookup_parent(req, parent);
        return;
    }
    if (!name_is_child(name)) {
        reply_err(req, name[0] ? EINVAL : ENOENT);
        return;
    }
    struct inode *p = op_inode(req, parent, &pfd);
    if (!p)
        return;
    struct creds_scope cs;
    int r = creds_enter(req, &cs);
    int fd = -1;
    if (r == 0) {
        fd = (int)BACKING("openat", pfd, O_PATH | O_NOFOLLOW, name,
                          openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
        r = fd < 0 ? -errno : 0;
        if (fd < 0)
            note_fd_exhaustion(errno);
        creds_leave(&cs);
    }
    if (r == 0)
        r = entry_from_fd(fs, fd, parent, name, REC_CAUSE_LOOKUP, &e);
    op_inode_done(req, p);
    if (r < 0)
        reply_err(req, -r);
    else
        reply_entry(req, &e);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    itab_unref(fs_of(req)->itab, ino, nlookup, REC_CAUSE_FORGET);
    reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    struct fs *fs = fs_of(req);
    for (size_t i = 0; i < count; i++)
        itab_unref(fs->itab, forgets[i].ino, forgets[i].nlookup, REC_CAUSE_BATCH_FORGET);
    reply_none(req);
}

/* The common tail of mknod/mkdir/symlink: the name was just made by a
 * syscall that returns no fd, so look it up (as the daemon: the caller just
 * created it, and a lookup must not fail on a 0000 directory it made).
 *
 * An outside process may have replaced or removed it in between.  An
 * entry of another type than the request made is something the kernel
 * cannot take (create_new_entry answers EIO and never forgets it), and
 * ENOENT for a call that succeeded is never native.  Both give ESTALE,
 * without a reference: the kernel redoes the mkdir/mknod/symlink once with
 * LOOKUP_REVAL, and gets EEXIST if the name is taken (as natively when
 * the other process comes first) or makes it again if it is free. */
static void reply_made(fuse_req_t req, struct inode *p, int pfd, fuse_ino_t parent,
                       const char *name, mode_t type, int made, enum rec_cause cause)
{
    struct fuse_entry_param e = { 0 };
    int r = made < 0 ? made : entry_lookup(fs_of(req), NULL, pfd, parent, name, type, cause, &e);
    if (made == 0 && r == -ENOENT)
        r = -ESTALE;
    op_inode_done(req, p);
    if (r < 0)
        reply_err(req, -r);
    else
        reply_entry(req, &e);
}

/* Regular files are made with open(O_CREAT|O_EXCL) so that the entry is
 * bound to the inode we created, not to whatever the name points at a
 * moment later.  Returns an O_PATH fd of the new file, or -errno. */
static int mknod_regular(int pfd, const char *name, mode_t mode)
{
    int fd = (int)BACKING("openat", pfd, O_CREAT | O_EXCL | O_WRONLY, name,
                          openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode));
    if (fd < 0)
        return -errno;
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    int opath = open(path, O_PATH | O_CLOEXEC);
    int err = errno;
    close(fd);
    return opath < 0 ? -err : opath;
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    int pfd;
    struct inode *p = op_inode(req, parent, &pfd);
    if (!p)
        return;
    struct umask_scope us;
    int r = caller_umask_enter(req, &us);
    if (S_ISREG(mode)) {
        struct creds_scope cs;
        if (r == 0 && (r = creds_enter(req, &cs)) == 0) {
            r = mknod_regular(pfd, name, mode);
            creds_leave(&cs);
        }
        caller_umask_leave(&us);
        struct fuse_entry_param e = { 0 };
        if (r >= 0)
            r = entry_from_fd(fs_of(req), r, parent, name, REC_CAUSE_MKNOD, &e);
        op_inode_done(req, p);
        if (r < 0)
            reply_err(req, -r);
        else
            reply_entry(req, &e);
        return;
    }
    /* A device node reaches us only if the caller holds CAP_MKNOD
     * (vfs_mknod checks it before FUSE sees anything); the fsuid switch
     * would drop it, so it is kept for this one call. */
    int cap = S_ISCHR(mode) || S_ISBLK(mode) ? CAP_MKNOD : -1;
    if (r == 0)
        r = (int)AS_CALLER_CAP(req, cap, "mknodat", pfd, mode, name, mknodat(pfd, name, mode, rdev));
    caller_umask_leave(&us);
    reply_made(req, p, pfd, parent, name, mode & S_IFMT, r, REC_CAUSE_MKNOD);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    int pfd;
    struct inode *p = op_inode(req, parent, &pfd);
    if (!p)
        return;
    struct umask_scope us;
    int r = caller_umask_enter(req, &us);
    if (r == 0)
        r = (int)AS_CALLER(req, "mkdirat", pfd, mode, name, mkdirat(pfd, name, mode));
    caller_umask_leave(&us);
    reply_made(req, p, pfd, parent, name, S_IFDIR, r, REC_CAUSE_MKDIR);
}

void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    int pfd;
    struct inode *p = op_inode(req, parent, &pfd);
    if (!p)
        return;
    int r = (int)AS_CALLER(req, "symlinkat", pfd, 0, name, symlinkat(link, pfd, name));
    reply_made(req, p, pfd, parent, name, S_IFLNK, r, REC_CAUSE_SYMLINK);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    struct fs *fs = fs_of(req);
    int fd, pfd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    struct inode *p = op_inode(req, newparent, &pfd);
    if (!p) {
        op_inode_done(req, node);
        return;
    }
    struct fuse_entry_param e = { 0 };
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    /* AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH; the magic link does not. */
    int r = (int)AS_CALLER(req, "linkat", pfd, AT_SYMLINK_FOLLOW, newname,
                           linkat(AT_FDCWD, path, pfd, newname, AT_SYMLINK_FOLLOW));
    if (r == 0) {
        uint64_t mnt_id;
        r = stat_with_mnt_id(fd, &e.attr, &mnt_id);
    }
    if (r == 0)
        r = itab_ref(fs->itab, ino, REC_CAUSE_LINK);
    op_inode_done(req, p);
    op_inode_done(req, node);
    if (r < 0) {
        reply_err(req, -r);
        return;
    }
    e.ino = ino;
    e.attr_timeout = fs->attr_timeout;
    e.entry_timeout = fs->entry_timeout;
    reply_entry(req, &e);
}

static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, int flags)
{
    int pfd;
    struct inode *p = op_inode(req, parent, &pfd);
    if (!p)
        return;
    int r = (int)AS_CALLER(req, "unlinkat", pfd, flags, name, unlinkat(pfd, name, flags));
    op_inode_done(req, p);
    reply_err(req, -r);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name) { remove_name(req, parent, name, 0); }
void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name) { remove_name(req, parent, name, AT_REMOVEDIR); }

void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
               const char *newname, unsigned int flags)
{
    int pfd, npfd;
    struct inode *p = op_inode(req, parent, &pfd);
    if (!p)
        return;
    struct inode *np = op_inode(req, newparent, &npfd);
    if (!np) {
        op_inode_done(req, p);
        return;
    }
    /* Flags (NOREPLACE, EXCHANGE, WHITEOUT) go to the source unchanged:
     * ignoring one would report success for an operation not done.  A
     * whiteout needs no CAP_MKNOD since Linux 5.8 (a3c751a50fe6), so
     * running as the caller loses nothing. */
    int r = (int)AS_CALLER(req, "renameat2", pfd, flags, name,
                           renameat2(pfd, name, npfd, newname, flags));
    op_inode_done(req, np);
    op_inode_done(req, p);
    reply_err(req, -r);
}
