/* backing.h — run one syscall on the source and record it.
 *
 * BACKING(call, fd, arg, name, expr) evaluates `expr` (a syscall returning
 * -1 with errno on failure), records it as a backing_call event when the
 * recorder is on, and yields its value with errno preserved.  When recording
 * is off the cost is one predictable branch on each side of the call.
 */
#ifndef FUSETRACE_SHIM_BACKING_H
#define FUSETRACE_SHIM_BACKING_H

#include <errno.h>

#include "trace/recorder.h"

static inline void backing_record(const char *call, long fd, long arg, const char *name,
                                  long result, int err, uint64_t t0)
{
    struct rec_backing_event e = {
        .call = call, .fd = fd, .arg = arg, .name = name,
        .result = result, .err = result < 0 ? err : 0,
        .start_ns = t0, .end_ns = rec_now_ns(),
    };
    rec_backing(&e);
}

#define BACKING(call, fd, arg, name, expr) __extension__({                     \
        const bool bk_on_ = rec_enabled();                                   \
        const uint64_t bk_t0_ = bk_on_ ? rec_now_ns() : 0;                   \
        long bk_r_ = (long)(expr);                                           \
        if (bk_on_) {                                                        \
            int bk_e_ = errno;                                               \
            backing_record(call, (long)(fd), (long)(arg), (name), bk_r_,     \
                           bk_e_, bk_t0_);                                   \
            errno = bk_e_;                                                   \
        }                                                                    \
        bk_r_;                                                               \
    })

#endif
