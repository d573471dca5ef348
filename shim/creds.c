/* creds.c — per-thread credential switching; see creds.h for why. */
#include "shim/creds.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/backing.h"

#define MAX_GROUPS 64

/* setfsuid/setfsgid report the *previous* id and never fail loudly; read the
 * current one back (-1 is never valid, so it changes nothing) to confirm. */
static int set_fsid(long nr, unsigned id)
{
    syscall(nr, id);
    return (unsigned)syscall(nr, -1) == id ? 0 : -EPERM;
}

int creds_enter(fuse_req_t req, struct creds_scope *cs)
{
    struct fs *fs = fs_of(req);
    cs->switched = false;
    if (!fs->creds)
        return 0;
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    if (ctx->uid == fs->daemon_uid && ctx->gid == fs->daemon_gid)
        return 0;

    gid_t groups[MAX_GROUPS];
    /* libfuse reads them from /proc/PID/task/TID/status: the only place the
     * kernel exposes a FUSE caller's supplementary groups (protocol < 7.39
     * has no CREATE_SUPP_GROUP). A caller that already exited has none. */
    int n = fuse_req_getgroups(req, MAX_GROUPS, groups);
    if (n < 0)
        n = 0;
    if (n > MAX_GROUPS)
        n = MAX_GROUPS;
    if (BACKING("setgroups", -1, n, NULL, syscall(SYS_setgroups, n, groups)) < 0)
        return -errno;
    cs->switched = true;
    if (set_fsid(SYS_setfsgid, ctx->gid) < 0 || set_fsid(SYS_setfsuid, ctx->uid) < 0) {
        creds_leave(cs);
        return -EPERM;
    }
    return 0;
}

void creds_leave(struct creds_scope *cs)
{
    if (!cs->switched)
        return;
    /* Back to the daemon's identity: uid first, so the capabilities return
     * before setgroups needs CAP_SETGID (it kept it anyway, but be plain). */
    syscall(SYS_setfsuid, (unsigned)geteuid());
    syscall(SYS_setfsgid, (unsigned)getegid());
    syscall(SYS_setgroups, 0, NULL);
    cs->switched = false;
}
