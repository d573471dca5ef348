/* cred_switch.c — see cred_switch.h. */
#include "shim/cred_switch.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int cred_set_groups(const gid_t *groups, int n)
{
    return syscall(SYS_setgroups, n, groups) < 0 ? -1 : 0;
}

/* setfsuid/setfsgid report the *previous* id and never fail loudly; read the
 * current one back (-1 is never valid, so it changes nothing) to confirm. */
static int set_fsid(long nr, unsigned id)
{
    syscall(nr, id);
    return (unsigned)syscall(nr, -1) == id ? 0 : -EPERM;
}

int cred_set_fsids(uid_t uid, gid_t gid)
{
    if (set_fsid(SYS_setfsgid, gid) < 0 || set_fsid(SYS_setfsuid, uid) < 0)
        return -EPERM;
    return 0;
}

void cred_restore(const gid_t *groups, int n)
{
    syscall(SYS_setfsuid, (unsigned)geteuid());
    syscall(SYS_setfsgid, (unsigned)getegid());
    syscall(SYS_setgroups, n, groups);
}

/* Whether this thread has its own fs_struct yet. */
static _Thread_local bool fs_unshared;

int cred_set_umask(mode_t mask, mode_t *old)
{
    if (!fs_unshared) {
        if (unshare(CLONE_FS) < 0)
            return -errno;
        fs_unshared = true;
    }
    *old = umask(mask & 0777);
    return 0;
}
