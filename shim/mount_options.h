/* mount_options.h — the -o options mount(8) and fstab pass that libfuse
 * 3.14 does not take.
 *
 * mount(8) hands a helper every VFS flag of the fstab line or command line
 * (relatime, nodiratime, strictatime, lazytime, nosymfollow...), plus its
 * own bookkeeping options (nofail, _netdev, user...).  libfuse 3.14 knows
 * rw/ro, suid/nosuid, dev/nodev, exec/noexec, sync/async, dirsync and
 * atime/noatime, and rejects the rest as "unknown option".  Those are taken
 * here and applied to the mount: per-mount attributes (atime mode,
 * nodiratime, nosymfollow) with mount_setattr(2) right after it is made,
 * before it serves; the superblock's lazytime by a reconfiguration once it
 * serves.  Both need
 * CAP_SYS_ADMIN: an unprivileged mount (through fusermount3) refuses them
 * with a message.  mount(8)'s own options are dropped; a few that no FUSE
 * mount can honour are refused with the reason.
 *
 * For `mount -o remount` every VFS flag is taken here (nothing goes to
 * libfuse: the mount exists already) and applied to the existing mount.
 */
#ifndef FUSETRACE_SHIM_MOUNT_OPTIONS_H
#define FUSETRACE_SHIM_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vfs_flags {
    uint64_t attr_set, attr_clr;  /* mount_setattr(2) MOUNT_ATTR_* */
    int ro, sync, lazytime;       /* superblock: -1 not given, 0 off, 1 on (ro, sync: remount) */
    char names[256];              /* the options taken, comma separated, for messages */
};

void vfs_flags_init(struct vfs_flags *v);

enum mopt {
    MOPT_NOT_OURS,   /* pass on to libfuse */
    MOPT_TAKEN,      /* a VFS flag recorded in the vfs_flags */
    MOPT_DROPPED,    /* mount(8)'s own (nofail, _netdev, user...): nothing to do */
    MOPT_REFUSED,    /* cannot be honoured: the reason is in err */
};

/* Classify one -o item.  `remount`: every VFS flag is taken (none goes to
 * libfuse). */
enum mopt vfs_option(const char *opt, bool remount, struct vfs_flags *v, char *err, size_t errlen);

/* Whether anything must be applied after mounting. */
bool vfs_flags_pending(const struct vfs_flags *v);

/* Apply the per-mount attributes to the mount at `mnt`.  No request
 * reaches the filesystem: safe before the daemon serves.  0, or -1 with
 * the reason in err. */
int vfs_flags_apply_mount(const char *mnt, const struct vfs_flags *v, char *err, size_t errlen);

/* Apply the superblock flags (ro/rw, sync/async, lazytime) and only
 * those (fspick + fsconfig): the kernel syncs the filesystem first, which
 * may send requests, so only once the daemon serves.  0, or -1 with the
 * reason in err. */
int vfs_flags_apply_super(const char *mnt, const struct vfs_flags *v, char *err, size_t errlen);

#endif
