/* creds.c — per-thread credential switching; see creds.h for why. */
#include "shim/creds.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/cred_switch.h"

#define MAX_GROUPS 64

/* This thread's capability sets (pid 0 = the calling thread). */
static int caps_get(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    return syscall(SYS_capget, &h, d) < 0 ? -errno : 0;
}

static bool cap_in(const struct __user_cap_data_struct d[2], int cap)
{
    return d[cap / 32].effective & (1u << (cap % 32));
}

bool creds_possible(void)
{
    struct __user_cap_data_struct d[2];
    return caps_get(d) == 0 && cap_in(d, CAP_SETUID) && cap_in(d, CAP_SETGID);
}

int creds_policy(const struct fs_config *cfg)
{
    if (!cfg->allow_other || creds_possible())
        return 0;
    if (!cfg->default_permissions) {
        fprintf(stderr,
                "fusetrace: -o allow_other without default_permissions needs per-request "
                "credentials, which need CAP_SETUID and CAP_SETGID (run as root); without "
                "them every user would act as uid %u.  Drop --no-default-permissions, or "
                "run as root\n", (unsigned)geteuid());
        return 2;
    }
    fprintf(stderr,
            "fusetrace: no CAP_SETUID/CAP_SETGID: allow_other without per-request "
            "credentials; the kernel checks permissions (default_permissions), and "
            "everything is created as uid %u, gid %u\n", (unsigned)geteuid(), (unsigned)getegid());
    return 0;
}

int creds_save_daemon(struct fs *fs)
{
    int n = getgroups(0, NULL);
    if (n < 0)
        return -errno;
    fs->daemon_groups = calloc((size_t)n + 1, sizeof(gid_t));
    if (!fs->daemon_groups)
        return -ENOMEM;
    n = getgroups(n, fs->daemon_groups);
    if (n < 0)
        return -errno;
    fs->daemon_ngroups = n;
    return 0;
}

int cap_effective(int cap, bool on)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return -errno;
    if (on)
        d[cap / 32].effective |= 1u << (cap % 32);
    else
        d[cap / 32].effective &= ~(1u << (cap % 32));
    return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int creds_keep_cap(struct creds_scope *cs, int cap)
{
    return cs->switched ? cap_effective(cap, true) : 0;
}

bool caller_has_cap(fuse_req_t req, int cap)
{
    char path[48], line[128];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)fuse_req_ctx(req)->pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;   /* caller gone: assume the least privilege */
    unsigned long long eff = 0;
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = sscanf(line, "CapEff: %llx", &eff) == 1;
    fclose(f);
    return found && (eff >> cap & 1);
}

int creds_enter(fuse_req_t req, struct creds_scope *cs)
{
    struct fs *fs = fs_of(req);
    cs->switched = false;
    cs->fs = fs;
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
    if (BACKING("setgroups", -1, n, NULL, cred_set_groups(groups, n)) < 0)
        return -errno;
    cs->switched = true;
    if (cred_set_fsids(ctx->uid, ctx->gid) < 0) {
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
     * before setgroups needs CAP_SETGID (it kept it anyway, but be plain);
     * the groups are the daemon's own, as saved at startup. */
    cred_restore(cs->fs->daemon_groups, cs->fs->daemon_ngroups);
    cs->switched = false;
}
