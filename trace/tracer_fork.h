/* tracer_fork.h — keeping the LTTng-UST tracer working in a forked child.
 *
 * lttng-ust registers a process with the session daemon when its library
 * is loaded; a child made by fork() alone is not registered, and every
 * tracepoint it hits records nothing.  (Programs traced by others get
 * this from LD_PRELOAD=liblttng-ust-fork.so.)  A fork after which the
 * child goes on tracing — `mount --daemon` — calls these around it.
 */
#ifndef FUSETRACE_TRACE_TRACER_FORK_H
#define FUSETRACE_TRACE_TRACER_FORK_H

#include <signal.h>

/* Before fork(): blocks every signal (saved in *saved) while the tracer's
 * locks are taken. */
void tracer_before_fork(sigset_t *saved);
/* After fork(), in the parent / in the child: releases them, restores
 * the signal mask; in the child, registers the new process. */
void tracer_after_fork_parent(sigset_t *saved);
void tracer_after_fork_child(sigset_t *saved);

#endif
