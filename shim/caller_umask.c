/* caller_umask.c — see caller_umask.h. */
#include "shim/caller_umask.h"

#include <errno.h>
#include <sched.h>
#include <sys/stat.h>

/* Whether this thread has its own fs_struct (cwd, root, umask) yet. */
static _Thread_local bool fs_unshared;

int caller_umask_enter(fuse_req_t req, struct umask_scope *us)
{
    us->set = false;
    if (!fs_of(req)->posix_acl_on)
        return 0;
    if (!fs_unshared) {
        if (unshare(CLONE_FS) < 0)
            return -errno;
        fs_unshared = true;
    }
    umask(fuse_req_ctx(req)->umask & 0777);
    us->set = true;
    return 0;
}

void caller_umask_leave(struct umask_scope *us)
{
    /* The daemon's own umask is 0 (main.c): modes it sets are exact. */
    if (us->set)
        umask(0);
    us->set = false;
}
