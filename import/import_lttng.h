/* import_lttng.h — turn the events of the `fusetrace` LTTng provider
 * (trace/fusetrace_tp.h) back into recorder records and store them in a
 * new recording database. */
#ifndef FUSETRACE_IMPORT_IMPORT_LTTNG_H
#define FUSETRACE_IMPORT_IMPORT_LTTNG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct import_opts {
    const char *trace_dir;
    const char *db_path;
    const char *session_uuid;  /* NULL: the trace must hold one session */
    /* Instead of trace_dir: follow this live session of a relay daemon
     * (net://RELAY[:LIVEPORT]/host/HOSTNAME/SESSION) until its end, or until
     * *stop becomes non-zero (the session is then stored incomplete). */
    const char *live_url;
    /* NULL, or the number of the signal that asked to stop (0: none yet).
     * A file import that sees it set fails ("interrupted by SIGTERM") and
     * removes its unfinished database. */
    const volatile sig_atomic_t *stop;
};

struct import_stats {
    uint64_t events, stored, discarded, skipped, requests, replies;
    char uuid[64];
    char status[32];
};

/* Returns 0 on success; -1 with a one-line reason in err (the database is
 * then removed). */
int import_lttng(const struct import_opts *o, struct import_stats *st,
                 char *err, size_t errlen);

#endif
