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
};

/* 0, or -errno if the credentials could not be assumed (the op must fail
 * rather than run as root). */
int creds_enter(fuse_req_t req, struct creds_scope *cs);
void creds_leave(struct creds_scope *cs);

/* AS_CALLER(req, call, fd, arg, name, expr): the shape most ops share — run
 * one syscall on the source with the caller's credentials, record it as a
 * backing call (BACKING), and yield its non-negative result or -errno (also
 * -errno if the credentials could not be assumed). */
#define AS_CALLER(req, call, fd, arg, name, expr) __extension__({              \
        struct creds_scope ac_cs_;                                           \
        long ac_r_ = creds_enter((req), &ac_cs_);                            \
        if (ac_r_ == 0) {                                                    \
            ac_r_ = BACKING(call, fd, arg, name, expr);                      \
            if (ac_r_ < 0)                                                   \
                ac_r_ = -errno;                                              \
            creds_leave(&ac_cs_);                                            \
        }                                                                    \
        ac_r_;                                                               \
    })

#endif
