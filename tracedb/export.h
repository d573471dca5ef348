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
    uint64_t flows;            /* request -> backing call flows */
    uint64_t counters;         /* in-flight counter samples */
};

/* Chrome/Perfetto trace-event JSON: a slice per request on its worker
 * thread's track, backing calls as slices with a flow from their request,
 * and a "requests in flight" counter.  Returns 0 or -1 (err set). */
int export_perfetto(sqlite3 *db, FILE *out, struct export_counts *c,
                    char *err, size_t errlen);

/* JSON lines: one object per request with its reply and latency. */
int export_jsonl(sqlite3 *db, FILE *out, struct export_counts *c,
                 char *err, size_t errlen);

#endif
