/* lttng_control.h — driving an LTTng tracing session for `fusetrace record
 * --lttng` by running the `lttng` command-line tool (fork + exec, no shell).
 *
 * The session records `fusetrace:*` into one per-uid user-space channel
 * (4 MiB x 8 sub-buffers per CPU, discard mode: a FUSE daemon must never
 * block on its tracer) with vpid/vtid context.  The output directory is
 * created 0700 and, after the session is destroyed, every trace file is made
 * 0600 — traces hold file names and command lines.
 */
#ifndef FUSETRACE_TRACE_LTTNG_CONTROL_H
#define FUSETRACE_TRACE_LTTNG_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lttng_ctl {
    char session[64];
    char outdir[4096];         /* empty when streamed to a relay */
    bool created;              /* the session exists (destroy it) */
    bool started;
};

/* True when `lttng list` can reach a session daemon. */
bool lttng_ctl_sessiond_running(void);

/* Make sure a session daemon runs: when none answers, start one with
 * `lttng-sessiond --daemonize` and wait (up to 10 s) until it answers.
 * *started tells whether this call launched it, and *pid is its pid (read
 * from its pid file) so the caller can stop exactly that daemon.  Returns 0,
 * or -1 with err set (err starts with "lttng-sessiond not found" when the
 * binary is missing). */
int lttng_ctl_ensure_sessiond(bool *started, pid_t *pid, char *err, size_t errlen);

/* Create session `name` writing to `outdir` (created 0700; must not exist
 * or be an empty directory), set up the channel, enable fusetrace:*, add
 * context, restrict recording to the calling process (per-uid buffers are
 * shared by every process of the user: another fusetrace running at the
 * same time must not end up in this trace) and start tracing.  On failure
 * everything created is destroyed. */
int lttng_ctl_start(struct lttng_ctl *c, const char *name, const char *outdir,
                    char *err, size_t errlen);

/* The same, recording only process `pid` (0: every process of the user). */
int lttng_ctl_start_pid(struct lttng_ctl *c, const char *name, const char *outdir,
                        pid_t pid, char *err, size_t errlen);

/* The same session, recording only process `pid`, streamed to a relay
 * daemon (lttng-relayd) at `url` instead of written locally: a live
 * session (`lttng create --live --set-url=URL`), so the relay both stores
 * it under HOSTNAME/NAME-DATETIME and serves it to live readers.  Nothing
 * is written on this machine. */
int lttng_ctl_start_url(struct lttng_ctl *c, const char *name, const char *url,
                        pid_t pid, char *err, size_t errlen);

/* Whether `url` is a network URL `lttng create --set-url` accepts:
 * NETPROTO://HOST[:CTRLPORT[:DATAPORT]][/TRACEDIR] with NETPROTO one of
 * net, net6, tcp, tcp6 (an IPv6 address in brackets).  file:// is not one:
 * a local trace is --lttng-output.  False with the reason in why. */
bool lttng_ctl_url_valid(const char *url, char *why, size_t whylen);

/* Stop, read the discarded-event count (sum over channels, from
 * `lttng list SESSION`), destroy the session (which flushes the trace) and
 * tighten permissions.  *discarded may be NULL.  A session streamed to a
 * relay is stopped with bounded waits: a relay that does not answer gets
 * 15 s to receive the data, then the session is destroyed without waiting
 * (at most 15 s more), and -1 says so. */
int lttng_ctl_stop(struct lttng_ctl *c, uint64_t *discarded, char *err, size_t errlen);

/* The name a recorder gives its session unless told another:
 * LTTNG_CTL_OWN_PREFIX followed by the recorder's pid. */
#define LTTNG_CTL_OWN_PREFIX "fusetrace-"

/* A session left behind by a recorder that is gone, and what was done. */
struct lttng_stale {
    char session[64];
    long pid;                  /* the recorder's pid, from the name */
    char output[4096];         /* "Trace output:" as lttng lists it */
    bool destroyed;
    char err[256];             /* why not, when !destroyed */
};

/* Find the sessions named LTTNG_CTL_OWN_PREFIX + PID whose recorder is gone
 * (no process PID, or PID is the caller: a recorder killed without its
 * cleanup left it, and the pid came round again) and destroy them: a
 * recorder killed by SIGKILL leaves its session active in the session
 * daemon, its buffers allocated and its trace files unflushed, and a later
 * recorder with the same pid could not create its own.  Destroying flushes
 * the trace to its output, which is kept (and made 0600 under a 0700
 * directory, as lttng_ctl_stop does).  Sessions of a live process, and
 * sessions with any other name (--lttng-session), are left alone.  The
 * pid is looked up in our pid namespace: a session daemon shared with
 * recorders in another pid namespace would be a different arrangement
 * (each container normally runs its own, behind its own socket).  Fills
 * up to max entries; returns how many stale sessions were found, or -1 when
 * the session daemon cannot be listed (err). */
int lttng_ctl_sweep_stale(struct lttng_stale *found, int max, char *err, size_t errlen);

/* Run `prog args...` (argv[0] = prog) without a shell, capturing up to
 * outcap-1 bytes of stdout (NUL-terminated) and the first line of stderr in
 * err.  Returns the exit status, 127 when prog cannot be executed, or -1
 * on fork/pipe failure. */
int lttng_ctl_run(char *const argv[], char *out, size_t outcap, char *err, size_t errlen);

#endif
