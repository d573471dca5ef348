/* mount_identity.h — recognise *our* mount later, after the path may have
 * been unmounted and mounted again by someone else.
 *
 * A path names whatever is mounted there now; the mount id in mountinfo and
 * the superblock's anonymous device number are both handed out again at
 * once after an unmount (seen here: a tmpfs unmounted and mounted again at
 * the same path got the same mount id 46 and the same dev 0:40).  So an
 * unmount "by path" decided on those can remove the next user's mount.
 *
 * What is never reused:
 *  - since Linux 6.8, the 64-bit unique mount id (statx STATX_MNT_ID_UNIQUE;
 *    the same id statmount/listmount use).  Used whenever the kernel has it.
 *  - on older kernels, our FUSE connection itself: fusectl's
 *    connections/<dev>/waiting file, opened while the connection is ours,
 *    reads empty once that connection is gone, even if a new connection got
 *    the same number.  The superblock (and so its dev) lives exactly as long
 *    as the connection, so "dev matches and our connection still answers"
 *    means the mount at the path is of our superblock.  Without fusectl
 *    mounted, only the reusable (mount id, dev) pair is left to compare.
 *
 * Looking is request-free: the mount root is opened O_PATH and statx'ed
 * with AT_STATX_DONT_SYNC, so no FUSE request goes to a daemon that may be
 * dead, stopped or not serving yet.
 */
#ifndef FUSETRACE_SHIM_MOUNT_IDENTITY_H
#define FUSETRACE_SHIM_MOUNT_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct mount_identity {
    bool has_unique;     /* the kernel reports STATX_MNT_ID_UNIQUE */
    uint64_t unique_id;  /* valid if has_unique */
    uint64_t old_id;     /* mountinfo's (reusable) mount id */
    dev_t dev;           /* the FUSE superblock's device (reusable) */
    int conn_fd;         /* fusectl connections/<dev>/waiting, or -1 */
};

/* Identify the FUSE mount now at `mnt` (a canonical path we just mounted).
 * Fails (message in err) if there is none.  `no_unique` forces the
 * older-kernel method (tests exercise it on new kernels).  0 or -1. */
int mount_identity_take(const char *mnt, bool no_unique, struct mount_identity *id,
                        char *err, size_t errlen);

/* An O_PATH fd on the root of the mount at `mnt` if that mount is still the
 * one `id` names (the caller closes it); -1 if it is another mount, or none
 * (errno says why).  Unmounting through "/proc/self/fd/N" of this fd
 * unmounts exactly that mount, whatever happens at the path meanwhile. */
int mount_identity_open_if_ours(const char *mnt, const struct mount_identity *id);

/* Close conn_fd. */
void mount_identity_release(struct mount_identity *id);

#endif
