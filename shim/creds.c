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
#include "shim/proc_events.h"
#include "shim/proc_reader.h"
#include "shim/proc_table.h"

/* How long a request waits for the connector's thread to apply the events
 * the kernel queued before the request (the caller's own fork, uid or gid
 * change), and then for the credentials thread to read /proc/TID/status
 * after such a change.  Neither thread waits for a caller (proc_reader.c
 * says which lock status takes: none that a process holds while it waits
 * for the mount), so these are bounds, not hazards; past them the policy
 * below applies. */
#define CATCH_UP_NS 50000000ULL
#define CREDS_WAIT_NS 100000000ULL

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

/* The caller's supplementary groups from the live table (proc_table.h),
 * never from /proc/<caller>: false when they are not known (yet). */
static bool caller_groups(fuse_req_t req, struct proc_creds *pc)
{
    uint32_t tid = (uint32_t)fuse_req_ctx(req)->pid;
    /* The caller's last fork, setuid or setgid happened before it made
     * this request, so its event is queued: apply it first, or a thread
     * that just dropped privileges would be served with its old groups. */
    proc_events_sync(CATCH_UP_NS);
    if (pt_creds(tid, pc) && pc->groups_known)
        return true;
    unsigned what = pt_note_request(tid, PT_READ_CREDS);
    if (what)
        proc_reader_request(tid, what, false);
    return pt_wait_creds(tid, CREDS_WAIT_NS, true, pc);
}

bool caller_has_cap(fuse_req_t req, int cap)
{
    /* Capabilities change without any event (capset(2)), and few requests
     * ask (a write into a setuid or setgid file, a listing that holds
     * trusted.* names): read them afresh, by the credentials thread. */
    uint32_t tid = (uint32_t)fuse_req_ctx(req)->pid;
    struct proc_creds pc;
    if (pt_caps_refresh(tid))
        proc_reader_request(tid, PT_READ_CREDS, false);
    if (pt_wait_creds(tid, CREDS_WAIT_NS, false, &pc))
        return (pc.cap_eff >> cap) & 1;
    /* Not known in time: what the kernel gives a program without file
     * capabilities and without securebits — every capability to uid 0,
     * none to other users. */
    return fuse_req_ctx(req)->uid == 0;
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

    /* The kernel tells a FUSE server the caller's fsuid and fsgid, not its
     * supplementary groups (libfuse's fuse_req_getgroups reads them from
     * /proc/<caller>, which must not be done here: proc_table.h).  They
     * come from the live table: inherited at fork, read again after uid or
     * gid changes.  When they are not known yet (a process older than the
     * mount during the first moments, one that just changed its ids, one
     * with more than PROC_GROUPS_MAX groups):
     *   - with default_permissions the kernel has already checked the
     *     request against the caller's real groups, so the operation runs
     *     with the caller's fsuid and fsgid (ownership as natively) and
     *     the capabilities that let the source agree with that check
     *     (DAC_OVERRIDE, DAC_READ_SEARCH, CHOWN).  What differs from a
     *     native run: decisions only the source makes with the groups —
     *     keeping S_ISGID on a file created in a setgid directory of a
     *     group the caller is only a supplementary member of, and keeping
     *     S_ISGID on a write to such a file — come out as for a
     *     non-member (the bit is cleared);
     *   - without it (--no-default-permissions) the daemon is the only
     *     check: no supplementary groups, so access a supplementary group
     *     would grant is refused (EACCES/EPERM).
     * README.md ("allow_other and credentials") says the same. */
    struct proc_creds pc;
    bool known = caller_groups(req, &pc);
    bool trust_kernel = !known && fs->cfg.default_permissions;
    int n = known ? (int)pc.ngroups : 0;
    if (BACKING("setgroups", -1, n, NULL, cred_set_groups(known ? pc.groups : NULL, n)) < 0)
        return -errno;
    cs->switched = true;
    if (cred_set_fsids(ctx->uid, ctx->gid) < 0) {
        creds_leave(cs);
        return -EPERM;
    }
    if (trust_kernel && (cap_effective(CAP_DAC_OVERRIDE, true) < 0 ||
                         cap_effective(CAP_DAC_READ_SEARCH, true) < 0 ||
                         cap_effective(CAP_CHOWN, true) < 0)) {
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

