/* backing.h — run one syscall on the source and record it.
 *
 * BACKING(call, fd, arg, name, expr) evaluates `expr` (a syscall returning
 * -1 with errno on failure), records it as a backing_call event when the
 * recorder is on, and yields its value with errno preserved.  While the
 * stall watchdog runs, the thread's slot (trace/worker_state.h) points at
 * the call for its duration, so a stalled request names the syscall it is
 * stuck in.  `fd`, `arg` and `name` are evaluated once, before the call.
 * With neither on, the cost is one predictable branch on each side of the
 * call; the watchdog adds the slot's two stores and its call count (no
 * clock read: the recorder times calls, the watchdog times stuck ones).
 */
#ifndef FUSETRACE_SHIM_BACKING_H
#define FUSETRACE_SHIM_BACKING_H

#include <errno.h>

#include "trace/recorder.h"
#include "trace/worker_state.h"

static inline void backing_record(const struct worker_call *c, long result, int err)
{
    struct rec_backing_event e = {
        .call = c->call, .fd = c->fd, .arg = c->arg, .name = c->name,
        .result = result, .err = result < 0 ? err : 0,
        .start_ns = c->since, .end_ns = rec_now_ns(),
    };
    rec_backing(&e);
}

#define BACKING(call_, fd_, arg_, name_, expr_) __extension__({                \
        const bool bk_on_ = rec_enabled();                                   \
        struct worker_slot *const bk_ws_ = worker_self;                      \
        struct worker_call bk_c_;                                            \
        if (bk_on_ || bk_ws_) {                                              \
            bk_c_.call = (call_);                                            \
            bk_c_.fd = (long)(fd_);                                          \
            bk_c_.arg = (long)(arg_);                                        \
            bk_c_.name = (name_);                                            \
            bk_c_.since = bk_on_ ? rec_now_ns() : 0;                         \
            if (bk_ws_) {                                                    \
                bk_c_.seq = ++bk_ws_->calls;                                 \
                worker_call_enter(bk_ws_, &bk_c_);                           \
            }                                                                \
        }                                                                    \
        long bk_r_ = (long)(expr_);                                          \
        if (bk_ws_)                                                          \
            worker_call_leave(bk_ws_);                                       \
        if (bk_on_) {                                                        \
            int bk_e_ = errno;                                               \
            backing_record(&bk_c_, bk_r_, bk_e_);                            \
            errno = bk_e_;                                                   \
        }                                                                    \
        bk_r_;                                                               \
    })

#endif
