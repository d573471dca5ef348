/* tracer_fork.c — see tracer_fork.h. */
#include "trace/tracer_fork.h"

#include <lttng/ust-fork.h>

void tracer_before_fork(sigset_t *saved)
{
    lttng_ust_before_fork(saved);
}

void tracer_after_fork_parent(sigset_t *saved)
{
    lttng_ust_after_fork_parent(saved);
}

void tracer_after_fork_child(sigset_t *saved)
{
    lttng_ust_after_fork_child(saved);
}
