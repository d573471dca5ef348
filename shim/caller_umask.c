/* caller_umask.c — see caller_umask.h. */
#include "shim/caller_umask.h"

#include "shim/cred_switch.h"

int caller_umask_enter(fuse_req_t req, struct umask_scope *us)
{
    us->set = false;
    if (!fs_of(req)->dont_mask_on)
        return 0;
    int r = cred_set_umask(fuse_req_ctx(req)->umask, &us->old);
    us->set = r == 0;
    return r;
}

void caller_umask_leave(struct umask_scope *us)
{
    mode_t ignored;
    if (us->set)
        cred_set_umask(us->old, &ignored);
    us->set = false;
}
