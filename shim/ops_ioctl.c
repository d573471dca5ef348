/* ops_ioctl.c — the inode flags ioctls, as natively.
 *
 * The kernel sends FUSE_IOCTL for lsattr/chattr (FS_IOC_GETFLAGS/SETFLAGS)
 * and for FS_IOC_FSGETXATTR/FSSETXATTR (its fileattr calls, on a file or
 * directory handle it opens for the purpose), after the VFS has checked, in
 * the caller's context, what the native call checks (ownership, and
 * CAP_LINUX_IMMUTABLE to change the append-only or immutable flag).  They
 * run on the handle's own descriptor, so they act on the source file as
 * chattr would; recorded as backing calls.
 *
 * Every other ioctl is refused with ENOTTY, as before: a passthrough cannot
 * forward an arbitrary command, because its argument may point into the
 * caller's memory (the kernel only copies fixed-size buffers for us) and
 * its effect would be on the daemon's descriptor, not the caller's (FIONREAD
 * of our own fd, or a device ioctl on our open of the device).
 */
#include <errno.h>
#include <linux/fs.h>
#include <linux/fuse.h>
#include <string.h>
#include <sys/ioctl.h>

#include "shim/backing.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/reply.h"

void op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
              struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
              size_t out_bufsz)
{
    (void)ino;
    (void)arg;
    /* The flags are an int (32 bits) whatever FS_IOC_GETFLAGS's encoded
     * size says, as the kernel's fileattr calls pass them. */
    size_t need_in = 0, need_out = 0;
    switch (cmd) {
    case FS_IOC_GETFLAGS: need_out = sizeof(int); break;
    case FS_IOC_SETFLAGS: need_in = sizeof(int); break;
    case FS_IOC_FSGETXATTR: need_out = sizeof(struct fsxattr); break;
    case FS_IOC_FSSETXATTR: need_in = sizeof(struct fsxattr); break;
    default:
        reply_err(req, ENOTTY);
        return;
    }
    if ((flags & FUSE_IOCTL_COMPAT) || in_bufsz < need_in || out_bufsz < need_out) {
        reply_err(req, ENOTTY);
        return;
    }
    struct fh_entry *fh = op_fh(req, fi->fh);
    if (!fh)
        return;
    union {
        int flags;
        struct fsxattr fsx;
    } buf;
    memset(&buf, 0, sizeof buf);
    if (need_in)
        memcpy(&buf, in_buf, need_in);
    long r = BACKING("ioctl", fh->fd, (long)cmd, NULL, ioctl(fh->fd, cmd, &buf));
    if (r < 0)
        reply_err(req, errno);
    else
        reply_ioctl(req, (int)r, need_out ? &buf : NULL, need_out);
}
