/* ops_xattr.c — extended attributes: setxattr, getxattr, listxattr, removexattr.
 *
 * The inode is only held by an O_PATH fd, and f*xattr() on an O_PATH fd fails
 * with EBADF.  The path calls on the magic link "/proc/self/fd/N" work for
 * every file type: the kernel jumps from the magic link straight to the
 * inode the fd refers to and does not follow it any further, so for a
 * symlink inode (dangling or not) the plain getxattr()/setxattr() reach the
 * symlink itself, never its target.  The l* variants must NOT be used here:
 * they stop at the magic link, i.e. at procfs's own symlink, and fail with
 * EOPNOTSUPP.  (Checked on kernel 6.18/ext4: trusted.* on a symlink and on a
 * fifo set through the magic link is what lgetxattr() on the real name reads
 * back; user.* on either is EPERM, exactly as natively.)
 *
 * Every call runs with the caller's credentials, so user.* permission
 * checks and the EPERM/EACCES answers are the source's own.  trusted.* and
 * security.* need CAP_SYS_ADMIN, which setfsuid() does not drop; the FUSE
 * client's VFS (xattr_permission) has already checked that capability
 * against the caller before the request was sent.  Listing is the exception:
 * hiding trusted.* names from a caller without CAP_SYS_ADMIN is done by the
 * filesystem, not the VFS, so op_listxattr filters them itself.
 *
 * Never reply ENOSYS: the kernel would latch "no xattrs" for the whole mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/creds.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/reply.h"

#define TRUSTED_PREFIX "trusted."
#define LIST_RETRIES 4

static int xattr_err(int err)
{
    return err == ENOSYS ? EOPNOTSUPP : err;
}

/* Setting or removing a file's access ACL changes its mode on the source
 * (the group bits are the ACL's mask).  With FUSE_POSIX_ACL the kernel
 * refreshes the mode itself; without it the ACL is an xattr like any other
 * to the kernel, which keeps the mode it cached (for the attribute timeout,
 * a day with --cache=always).  So drop the kernel's cached attributes before
 * the reply: the caller's next stat sees the new mode, as natively.  Offset
 * -1 is attributes only: no page laundering, nothing to wait for. */
static void access_acl_changed(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    struct fs *fs = fs_of(req);
    if (fs->posix_acl_on || strcmp(name, "system.posix_acl_access") != 0)
        return;
    int r = fuse_lowlevel_notify_inval_inode(fs->se, ino, -1, 0);
    if (r < 0 && r != -ENOENT)
        BACKING("notify_inval_inode", -1, -1, NULL, (errno = -r, -1L));
}

/* libfuse 3.14 has no FUSE_SETXATTR_EXT, so the kernel sends the short
 * setxattr request and can never ask us to clear S_ISGID when a POSIX ACL is
 * set (SETXATTR_ACL_KILL_SGID).  No loss here: the source filesystem applies
 * that rule itself (posix_acl_update_mode) against the credentials of the
 * thread, which are the caller's fsuid/fsgid/groups with CAP_FSETID dropped
 * — the same decision a native setfacl gets. */
void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
                 int flags)
{
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    /* XATTR_CREATE / XATTR_REPLACE pass through: EEXIST / ENODATA are the source's. */
    int r = (int)AS_CALLER(req, "setxattr", fd, flags, name, setxattr(path, name, value, size, flags));
    op_inode_done(req, node);
    if (r == 0)
        access_acl_changed(req, ino, name);
    reply_err(req, xattr_err(-r));
}

/* size == 0 asks for the value's length; otherwise a value longer than size
 * is ERANGE, which the source's getxattr() answers for us. */
void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
    char *buf = NULL;
    if (size && !(buf = malloc(size))) {
        reply_err(req, ENOMEM);
        return;
    }
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node) {
        free(buf);
        return;
    }
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    ssize_t n = AS_CALLER(req, "getxattr", fd, size, name, getxattr(path, name, buf, size));
    op_inode_done(req, node);
    if (n < 0)
        reply_err(req, xattr_err((int)-n));
    else if (size == 0)
        reply_xattr(req, (size_t)n);
    else
        reply_buf(req, buf, (size_t)n);
    free(buf);
}

static bool list_has_trusted(const char *list, size_t len)
{
    for (size_t i = 0; i < len; i += strlen(list + i) + 1)
        if (strncmp(list + i, TRUSTED_PREFIX, sizeof(TRUSTED_PREFIX) - 1) == 0)
            return true;
    return false;
}

/* Drop the trusted.* names in place; returns the new length. */
static size_t list_drop_trusted(char *list, size_t len)
{
    size_t out = 0;
    if (!list)
        return 0;
    for (size_t i = 0; i < len;) {
        size_t n = strnlen(list + i, len - i) + 1;
        if (strncmp(list + i, TRUSTED_PREFIX, sizeof(TRUSTED_PREFIX) - 1) != 0) {
            memmove(list + out, list + i, n);
            out += n;
        }
        i += n;
    }
    return out;
}

/* Read the whole list (probe the length, then fetch; retry if it grew in
 * between).  The full list is needed even for a size query, because the
 * answer must be the length of the list as the caller may see it. */
static ssize_t read_list(int fd, const char *path, char **out)
{
    for (int i = 0; i < LIST_RETRIES; i++) {
        ssize_t len = BACKING("listxattr", fd, 0, NULL, listxattr(path, NULL, 0));
        if (len <= 0)
            return len < 0 ? -errno : 0;
        char *buf = malloc((size_t)len);
        if (!buf)
            return -ENOMEM;
        ssize_t n = BACKING("listxattr", fd, len, NULL, listxattr(path, buf, (size_t)len));
        if (n >= 0) {
            *out = buf;
            return n;
        }
        int err = errno;
        free(buf);
        if (err != ERANGE)
            return -err;
    }
    return -ERANGE;
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    struct fs *fs = fs_of(req);
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    char *list = NULL;
    struct creds_scope cs;
    ssize_t n = creds_enter(req, &cs);
    if (n == 0) {
        n = read_list(fd, path, &list);
        creds_leave(&cs);
    }
    op_inode_done(req, node);
    /* Without per-request credentials every caller is the daemon's user, and
     * the source filtered for it already. */
    if (n > 0 && fs->creds && list_has_trusted(list, (size_t)n) &&
        !caller_has_cap(req, CAP_SYS_ADMIN))
        n = (ssize_t)list_drop_trusted(list, (size_t)n);
    if (n < 0)
        reply_err(req, xattr_err((int)-n));
    else if (size == 0)
        reply_xattr(req, (size_t)n);
    else if ((size_t)n > size)
        reply_err(req, ERANGE);
    else
        reply_buf(req, list, (size_t)n);
    free(list);
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    int r = (int)AS_CALLER(req, "removexattr", fd, 0, name, removexattr(path, name));
    op_inode_done(req, node);
    if (r == 0)
        access_acl_changed(req, ino, name);
    reply_err(req, xattr_err(-r));
}
