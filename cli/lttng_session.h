/* lttng_session.h — the LTTng session fusetrace runs for itself: `record
 * --lttng` (written to a local directory) and `--lttng-url` of mount and
 * record (streamed to a relay daemon).  Shared by both commands so that the
 * messages, the checks and the exit-status policy are the same.
 */
#ifndef FUSETRACE_CLI_LTTNG_SESSION_H
#define FUSETRACE_CLI_LTTNG_SESSION_H

#include <limits.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "trace/lttng_control.h"

struct own_lttng {
    struct lttng_ctl ctl;
    bool active;               /* begun: own_lttng_end must run */
    char where[PATH_MAX];      /* the local trace directory, or the relay URL */
};

/* Start the session, recording this process only (call it in the process
 * that serves the mount: after --daemon's fork).  A local directory is
 * cli->lttng_output or a timestamped one, refused under the mountpoint.
 * Starts lttng-sessiond when none answers.  Returns 0, or -1 after saying
 * why on stderr. */
int own_lttng_begin(const struct cli *cli, struct own_lttng *s);

/* Stop and destroy the session (which flushes it to its directory or to
 * the relay) and say where the trace is.  Returns 0, or -1 when the trace
 * is incomplete: LTTng discarded events, or the session could not be
 * stopped cleanly (a relay that went away mid-stream) — said on stderr. */
int own_lttng_end(struct own_lttng *s);

#endif
