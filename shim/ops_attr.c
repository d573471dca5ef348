/* ops_attr.c — attributes: getattr, setattr, readlink, statfs, access. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/creds.h"
#include "shim/handle.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/reply.h"
#include "shim/wire_tap.h"

static struct fuse_ext_sx_time sx_time(struct statx_timestamp t)
{
    return (struct fuse_ext_sx_time){ .tv_sec = t.tv_sec, .tv_nsec = t.tv_nsec };
}

/* FUSE_STATX (handed to us as GETATTR by the wire tap): the source's own
 * statx, with the fields it asked for and the birth time and attributes
 * a GETATTR cannot carry (Linux up to 6.18 hands the caller only the birth
 * time: fuse_do_statx copies neither attributes nor attributes_mask).  The
 * basic fields are always filled, as the kernel refreshes its cached
 * attributes from them. */
static int statx_fd(int fd, double timeout, struct fuse_ext_statx_out *out)
{
    const struct fuse_ext_statx_in *in = wire_tap_statx_in();
    unsigned sync = in->sx_flags & AT_STATX_SYNC_TYPE;
    struct statx sx;
    long r = BACKING("statx", fd, in->sx_mask, NULL,
                     statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | sync,
                           in->sx_mask | STATX_BASIC_STATS | STATX_BTIME, &sx));
    if (r < 0)
        return -errno;
    *out = (struct fuse_ext_statx_out){
        .attr_valid = (uint64_t)timeout,
        .attr_valid_nsec = (uint32_t)((timeout - (double)(uint64_t)timeout) * 1e9),
        .stat = {
            .mask = sx.stx_mask, .blksize = sx.stx_blksize, .attributes = sx.stx_attributes,
            .nlink = sx.stx_nlink, .uid = sx.stx_uid, .gid = sx.stx_gid, .mode = sx.stx_mode,
            .ino = sx.stx_ino, .size = sx.stx_size, .blocks = sx.stx_blocks,
            .attributes_mask = sx.stx_attributes_mask,
            .atime = sx_time(sx.stx_atime), .btime = sx_time(sx.stx_btime),
            .ctime = sx_time(sx.stx_ctime), .mtime = sx_time(sx.stx_mtime),
            .rdev_major = sx.stx_rdev_major, .rdev_minor = sx.stx_rdev_minor,
            .dev_major = sx.stx_dev_major, .dev_minor = sx.stx_dev_minor,
        },
    };
    return 0;
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    /* GETATTR_FH (fstat on an open file) uses the open fd: for an unlinked
     * file it is the only way that still names it. */
    struct fh_entry *fh = fi ? fht_get(fs_of(req)->fht, fi->fh) : NULL;
    if (wire_tap_original_opcode() == FUSE_EXT_OP_STATX) {
        struct fuse_ext_statx_out out;
        int r = statx_fd(fh ? fh->fd : fd, fs_of(req)->attr_timeout, &out);
        op_inode_done(req, node);
        if (r < 0)
            reply_err(req, -r);
        else
            reply_buf(req, (const char *)&out, sizeof out);
        return;
    }
    struct stat st;
    int r = stat_fd(fh ? fh->fd : fd, &st);
    op_inode_done(req, node);
    if (r < 0)
        reply_err(req, -r);
    else
        reply_attr(req, &st, fs_of(req)->attr_timeout);
}

static struct timespec time_arg(const struct stat *attr, int to_set, int set_bit, int now_bit, bool atime)
{
    if (to_set & now_bit)
        return (struct timespec){ .tv_nsec = UTIME_NOW };
    if (to_set & set_bit)
        return atime ? attr->st_atim : attr->st_mtim;
    return (struct timespec){ .tv_nsec = UTIME_OMIT };
}

/* Apply the requested changes in the order chmod(2)-style tools expect:
 * mode, owner, size, times.  With an fh the open fd is used (ftruncate on a
 * file opened for writing works whatever its mode now says, as natively);
 * without one, the magic link reaches the inode. */
static int apply_setattr(int fd, int ofd, struct stat *attr, int to_set)
{
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);

    if (to_set & FUSE_SET_ATTR_MODE) {
        long r = ofd >= 0 ? BACKING("fchmod", ofd, attr->st_mode, NULL, fchmod(ofd, attr->st_mode))
                          : BACKING("chmod", fd, attr->st_mode, NULL, chmod(path, attr->st_mode));
        if (r < 0)
            return -errno;
    }
    if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
        uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
        gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;
        if (BACKING("fchownat", fd, uid, NULL,
                    fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) < 0)
            return -errno;
    }
    if (to_set & FUSE_SET_ATTR_SIZE) {
        long r = ofd >= 0 ? BACKING("ftruncate", ofd, attr->st_size, NULL, ftruncate(ofd, attr->st_size))
                          : BACKING("truncate", fd, attr->st_size, NULL, truncate(path, attr->st_size));
        if (r < 0)
            return -errno;
    }
    if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                  FUSE_SET_ATTR_MTIME_NOW)) {
        struct timespec tv[2] = {
            time_arg(attr, to_set, FUSE_SET_ATTR_ATIME, FUSE_SET_ATTR_ATIME_NOW, true),
            time_arg(attr, to_set, FUSE_SET_ATTR_MTIME, FUSE_SET_ATTR_MTIME_NOW, false),
        };
        long r = ofd >= 0 ? BACKING("futimens", ofd, 0, NULL, futimens(ofd, tv))
                          : BACKING("utimensat", fd, 0, NULL, utimensat(AT_FDCWD, path, tv, 0));
        if (r < 0)
            return -errno;
    }
    /* FUSE_SET_ATTR_CTIME cannot be applied: ctime is set by the changes above. */
    return 0;
}

/* When a non-owner writes to or truncates a setuid/setgid file, the kernel
 * clears those bits itself, without a permission check; through FUSE that
 * arrives as a SETATTR of the mode from the writer, which the source would
 * refuse (EPERM: not the owner).  With default_permissions the kernel has
 * already decided this change is allowed, so it runs as the daemon — only
 * when it does nothing but drop S_ISUID/S_ISGID. */
static bool is_kill_suid(const struct fs *fs, int fd, const struct stat *attr, int to_set)
{
    if (!fs->cfg.default_permissions || !fs->creds || !(to_set & FUSE_SET_ATTR_MODE))
        return false;
    struct stat cur;
    if (fstatat(fd, "", &cur, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ||
        !(cur.st_mode & (S_ISUID | S_ISGID)))
        return false;
    return (attr->st_mode & 07777) == (cur.st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID)) ||
           (attr->st_mode & 07777) == (cur.st_mode & 07777 & ~(mode_t)S_ISUID);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    struct fh_entry *fh = fi ? fht_get(fs_of(req)->fht, fi->fh) : NULL;
    int r = 0;
    if (is_kill_suid(fs_of(req), fd, attr, to_set)) {
        /* the kernel's own privilege drop: as the daemon, then the rest
         * (a truncate, typically) as the caller */
        r = apply_setattr(fd, fh ? fh->fd : -1, attr, FUSE_SET_ATTR_MODE);
        to_set &= ~FUSE_SET_ATTR_MODE;
    }
    /* With the writeback cache the kernel keeps c/mtime itself: it sends
     * them as explicit times with every size change, and sends a
     * utimensat(UTIME_NOW) as an explicit mtime (fs/fuse/dir.c,
     * fuse_do_setattr, trust_local_cmtime).  Explicit times need ownership,
     * a truncate or UTIME_NOW only write permission, so as the caller a
     * non-owner would get EPERM.  No syscall sends a size and explicit
     * times in one SETATTR, so with a size they are the kernel's own; and
     * with default_permissions the kernel has checked the caller's right
     * to set them (setattr_prepare).  Either way they are applied as the
     * daemon, after the rest succeeded as the caller. */
    const struct fs *fs = fs_of(req);
    int kernel_times = 0;
    if (fs->writeback_on && ((to_set & FUSE_SET_ATTR_SIZE) || fs->cfg.default_permissions)) {
        kernel_times = to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                                 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW);
        to_set &= ~kernel_times;
    }
    struct creds_scope cs;
    if (r == 0)
        r = creds_enter(req, &cs);
    if (r == 0) {
        r = apply_setattr(fd, fh ? fh->fd : -1, attr, to_set);
        creds_leave(&cs);
    }
    if (r == 0 && kernel_times)
        r = apply_setattr(fd, fh ? fh->fd : -1, attr, kernel_times);
    struct stat st;
    if (r == 0)
        r = stat_fd(fh ? fh->fd : fd, &st);
    op_inode_done(req, node);
    if (r < 0)
        reply_err(req, -r);
    else
        reply_attr(req, &st, fs_of(req)->attr_timeout);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    char buf[PATH_MAX + 1];
    ssize_t n = BACKING("readlinkat", fd, 0, NULL, readlinkat(fd, "", buf, sizeof(buf)));
    int err = errno;
    op_inode_done(req, node);
    if (n < 0) {
        reply_err(req, err);
    } else if ((size_t)n == sizeof(buf)) {
        reply_err(req, ENAMETOOLONG);
    } else {
        buf[n] = '\0';
        reply_readlink(req, buf);
    }
}

void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    struct statvfs sv;
    int r = (int)BACKING("fstatvfs", fd, 0, NULL, fstatvfs(fd, &sv));
    int err = errno;
    op_inode_done(req, node);
    if (r < 0)
        reply_err(req, err);
    else
        reply_statfs(req, &sv);
}

/* Sent only without default_permissions.  Checked by the source itself with
 * the caller's fs credentials (AT_EACCESS: the fs ids, not the real ids
 * access(2) would use, since the per-thread switch sets only fs ids). */
void op_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    int r = (int)AS_CALLER(req, "faccessat", fd, mask, NULL,
                           faccessat(AT_FDCWD, path, mask, AT_EACCESS));
    op_inode_done(req, node);
    reply_err(req, -r);
}
