/* ktrace.h — the kernel's side of /dev/fuse (--kernel-trace).
 *
 * The daemon sees a request when a worker reads it and a reply when it is
 * written.  The kernel says more: its tracefs events fuse/fuse_request_send
 * (the request was queued for the daemon) and fuse/fuse_request_end (the
 * caller got its answer) carry the connection, the request's unique, the
 * opcode and the error the caller saw.  With both sides, each request's
 * time splits into queued in the kernel -> served by the daemon -> back to
 * the caller, and requests the daemon never read (a caller killed while its
 * request was queued, a connection aborted) are recorded too.
 *
 * How: a tracefs instance of the daemon's own, instances/fusetrace-PID
 * (never the top-level buffer, nobody else's instance), with trace_clock
 * `mono` so that its timestamps are CLOCK_MONOTONIC like every other event,
 * both events enabled and filtered on our connection's device number, read
 * on a thread of its own into the recorder (recorder.h: rec_kernel).
 * The instance goes away at the end; one left by a daemon that died (kill
 * -9) is removed by the next start.
 *
 * Order of calls (cli/):
 *   ktrace_probe       before anything is created: can the kernel side be
 *                      recorded?  (`on` refuses when not, `auto` says once)
 *   ktrace_begin       after the recorder is open, right before the mount:
 *                      the instance, with the events enabled but not yet
 *                      filtered (the connection does not exist yet, and its
 *                      INIT is queued during mount(2))
 *   ktrace_connect     after the mount: filter on the connection, start
 *                      the reader
 *   ktrace_end         after the session ended, before the recorder closes:
 *                      drain, stop, remove the instance
 * Every function prints what a user needs to know on stderr.
 */
#ifndef FUSETRACE_TRACE_KTRACE_H
#define FUSETRACE_TRACE_KTRACE_H

#include <stdbool.h>
#include <sys/types.h>

enum ktrace_mode {
    KTRACE_AUTO,               /* record the kernel side when possible, else say why once */
    KTRACE_ON,                 /* record it or refuse to start */
    KTRACE_OFF,                /* never touch tracefs */
};

/* Parse "auto"/"on"/"off".  0, or -1 for anything else. */
int ktrace_parse_mode(const char *s, enum ktrace_mode *out);

/* Can the kernel side be recorded?  `recording`: a sink will be open (the
 * kernel events need somewhere to go).  Returns 0 to go on (the kernel side
 * will be recorded, or `auto` has printed the one line saying why not), or
 * -1 after printing why `on` cannot be honoured. */
int ktrace_probe(enum ktrace_mode mode, bool recording);

/* Create and arm the instance (the recorder is open).  Returns 0 to go on,
 * -1 if `on` cannot be honoured after all (said on stderr). */
int ktrace_begin(void);

/* The mount exists: `conn` is its st_dev (0: could not be found out).
 * Filter on it, start the reader, record the session's sides.  0, or -1
 * if `on` cannot be honoured. */
int ktrace_connect(dev_t conn);

/* The session is over (the connection is gone): read what is left, stop
 * the reader, remove the instance.  Idempotent. */
void ktrace_end(void);

#endif
