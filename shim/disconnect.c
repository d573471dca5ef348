/* disconnect.c — see disconnect.h. */
#include "shim/disconnect.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "shim/mount_identity.h"
#include "trace/recorder.h"

void session_note_disconnect(struct fs *fs)
{
    if (atomic_exchange(&fs->disconnect_noted, true))
        return;
    /* An unmount takes the mount out of the namespace first and ends the
     * connection only when the superblock goes; an abort through
     * /sys/fs/fuse/connections/N/abort ends the connection and leaves the
     * mount where it was (every access then fails with ENOTCONN).  Both
     * make read() on /dev/fuse fail with ENODEV (libfuse does not
     * negotiate FUSE_ABORT_ERROR, which would make an abort ECONNABORTED).
     * So our mount still in place when the connection ended means it was
     * aborted.  The look sends no request and reads no /proc entry
     * (mount_identity.h: an O_PATH open and a cached statx).  A forced
     * unmount (umount -f) of a mount still in use aborts the same way and
     * reads the same; an abort followed at once by an unmount, before this
     * look, reads as an unmount. */
    int root = mount_identity_open_if_ours(fs->cfg.mountpoint, &fs->mount_id);
    if (root < 0)
        return;
    close(root);
    atomic_store(&fs->aborted, true);
    fprintf(stderr, "fusetrace: the kernel aborted the connection of %s (fusectl or umount -f); "
                    "requests in flight stay unanswered\n", fs->cfg.mountpoint);
    recorder_note_end_cause("connection aborted (fusectl or umount -f)");
}

void session_note_if_disconnected(struct fs *fs)
{
    if (!fs->se || atomic_load(&fs->disconnect_noted))
        return;
    /* fs/fuse/dev.c, fuse_dev_poll: EPOLLERR once the connection's input
     * queue is disconnected (fuse_abort_conn), whoever ended it; otherwise
     * EPOLLOUT and, with requests queued, EPOLLIN.  A zero timeout: the
     * look waits for nothing and reads no request. */
    struct pollfd p = { .fd = fuse_session_fd(fs->se), .events = POLLIN };
    if (p.fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
        session_note_disconnect(fs);
}
