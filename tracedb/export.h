/* export.h — recording database -> other trace formats. */
#ifndef FUSETRACE_TRACEDB_EXPORT_H
#define FUSETRACE_TRACEDB_EXPORT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct export_counts {
    uint64_t requests;         /* one per row of the op view */
    uint64_t backing;          /* backing-call slices */
    uint64_t flows;            /* flow steps: a request's first backing call on a thread */
    uint64_t counters;         /* in-flight counter samples */
};

/* Chrome/Perfetto trace-event JSON: a slice per request on the thread of
 * the application process that made it, the daemon as a process of its
 * own with a slice per backing call on its worker threads, a flow from each
 * request through its backing calls, and an "in flight" counter
 * (export_perfetto.c).  Returns 0 or -1 (err set). */
int export_perfetto(sqlite3 *db, FILE *out, struct export_counts *c,
                    char *err, size_t errlen);

/* JSON lines: one object per request with its reply and latency. */
int export_jsonl(sqlite3 *db, FILE *out, struct export_counts *c,
                 char *err, size_t errlen);

#endif
