/* creds.h — run a stretch of an op with the calling process's credentials.
 *
 * With allow_other the daemon (root) serves many users.  For ownership of
 * what it creates and for EACCES/EPERM to come out as they would natively,
 * the syscalls on the source must run as the caller.  The switch is
 * per-thread: raw setfsuid/setfsgid/setgroups syscalls (glibc's setgroups
 * wrapper would broadcast to every thread of the process).  setfsuid to a
 * non-zero uid also drops the fs capabilities (CAP_DAC_OVERRIDE, CAP_FOWNER,
 * CAP_DAC_READ_SEARCH...), which is exactly what makes permission checks
 * native — and why every fd an op needs (open_by_handle_at) is obtained
 * *before* entering the scope.
 */
#ifndef FUSETRACE_SHIM_CREDS_H
#define FUSETRACE_SHIM_CREDS_H

#include <stdbool.h>

#include "shim/backing.h"
#include "shim/fs.h"

struct creds_scope {
    bool switched;
    const struct fs *fs;
};

/* Whether this process can take other users' credentials (CAP_SETUID and
 * CAP_SETGID, for setfsuid/setfsgid/setgroups). */
bool creds_possible(void);

/* Decide allow_other without per-request credentials, before mounting:
 * with default_permissions the kernel checks permissions and the mount is
 * single-user for ownership (said once on stderr); without it any user
 * could do what the daemon's uid can, so it is refused (message, 2).
 * Returns 0 or the exit status. */
int creds_policy(const struct fs_config *cfg);

/* Save the daemon's supplementary groups (fs->daemon_groups), which
 * creds_leave restores.  0 or -errno. */
int creds_save_daemon(struct fs *fs);

/* 0, or -errno if the credentials could not be assumed (the op must fail
 * rather than run as root). */
int creds_enter(fuse_req_t req, struct creds_scope *cs);
void creds_leave(struct creds_scope *cs);

/* Inside a switched scope, raise capability `cap` (CAP_MKNOD) in this
 * thread's effective set again: setfsuid() to a non-zero uid drops every
 * filesystem capability, including ones the kernel already saw the caller
 * hold.  The caller's fsuid, fsgid and groups stay, so ownership and
 * permission checks remain the caller's.  Undone by creds_leave (setfsuid
 * back to the daemon's uid restores the fs capabilities).  0 or -errno. */
int creds_keep_cap(struct creds_scope *cs, int cap);

/* Raise (on) or lower a capability in this thread's effective set; it
 * must be in the permitted set to be raised.  0 or -errno. */
int cap_effective(int cap, bool on);

/* Whether the process that sent req has `cap` in its effective set, as
 * the live table knows it (proc_table.h); when it does not (not read since
 * the caller's last exec or uid change): whether the caller is uid 0. */
bool caller_has_cap(fuse_req_t req, int cap);

/* AS_CALLER(req, call, fd, arg, name, expr): the shape most ops share — run
 * one syscall on the source with the caller's credentials, record it as a
 * backing call (BACKING), and yield its non-negative result or -errno (also
 * -errno if the credentials could not be assumed). */
#define AS_CALLER(req, call, fd, arg, name, expr)                            \
    AS_CALLER_CAP(req, -1, call, fd, arg, name, expr)

/* AS_CALLER_CAP(req, cap, ...): the same, keeping capability `cap` (-1:
 * none) that the kernel already required of the caller (CAP_MKNOD for a
 * device node or a RENAME_WHITEOUT) — see creds_keep_cap. */
#define AS_CALLER_CAP(req, cap, call, fd, arg, name, expr) __extension__({   \
        struct creds_scope ac_cs_;                                           \
        long ac_r_ = creds_enter((req), &ac_cs_);                            \
        if (ac_r_ == 0 && (cap) >= 0 && (ac_r_ = creds_keep_cap(&ac_cs_, (cap))) < 0) \
            creds_leave(&ac_cs_);                                            \
        if (ac_r_ == 0) {                                                    \
            ac_r_ = BACKING(call, fd, arg, name, expr);                      \
            if (ac_r_ < 0)                                                   \
                ac_r_ = -errno;                                              \
            creds_leave(&ac_cs_);                                            \
        }                                                                    \
        ac_r_;                                                               \
    })

#endif
