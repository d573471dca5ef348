/* import_sink.h — the recorder's door for a second producer.
 *
 * An importer (import/: an LTTng trace of the fusetrace provider) turns
 * another trace of the same events back into the recorder's records
 * (trace/rec_event.h, the event model) and stores them here: through the
 * recorder's own decode-and-store code and SQLite sink, the ones its
 * writer thread uses, so that an imported recording cannot drift from a
 * direct one.  Transactions are opened and committed as needed.  Every
 * function that can fail returns 0, or -1 with a one-line reason in err.
 */
#ifndef FUSETRACE_TRACE_IMPORT_SINK_H
#define FUSETRACE_TRACE_IMPORT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/rec_event.h"

/* What the session row says about the recording. */
struct session_facts {
    const char *uuid;
    int64_t start_realtime_ns, start_monotonic_ns;
    int64_t pid;
    const char *version;
    const char *source, *mountpoint, *command, *options;
    const char *host, *kernel, *libfuse;
    int64_t capture_data, drop, lttng, ring_bytes, snapshot_data;
    /* The offset from the trace's clock to the wall clock when the trace
     * itself records it (an LTTng trace's clock class); otherwise
     * (have_clock_offset false) start_realtime_ns - start_monotonic_ns. */
    bool have_clock_offset;
    int64_t clock_offset_ns;
};

struct import_sink;

/* Create the recording database at path (refused if it exists, made 0600)
 * with its session row.  Times in the records are absolute
 * CLOCK_MONOTONIC ns; f->start_monotonic_ns is the session's ts 0.
 * capture: bytes of file data kept per message.  Processes are described
 * by the records themselves (trace/rec_process.h): nothing is looked up in
 * the live /proc.  NULL on failure. */
struct import_sink *import_sink_create(const char *path, const struct session_facts *f,
                                       size_t capture, char *err, size_t errlen);
/* Store one record (records come in timestamp order: process events by
 * the kernel's time they carry, as the writer merges them). */
int import_sink_store(struct import_sink *s, const struct rec_hdr *h, char *err, size_t errlen);
/* `events` events were lost at ts (absolute ns): counted, and a `loss` row. */
int import_sink_loss(struct import_sink *s, uint64_t ts, uint64_t events, char *err, size_t errlen);
/* Commit what was stored so far (a live importer, between arrivals, so
 * that readers following the database see it). */
int import_sink_flush(struct import_sink *s, char *err, size_t errlen);
/* Events counted lost so far. */
uint64_t import_sink_lost(const struct import_sink *s);
/* Commit, build the indexes, set the final status ('complete', or
 * 'incomplete' with reason); end_ts: the session's end (ns after its
 * start), or -1 when the trace has none (a killed session).  end_cause:
 * why the kernel ended the session early, as the recorder said (the
 * reason is then the cause and the requests left unanswered, as in a
 * direct recording), or NULL. */
int import_sink_finish(struct import_sink *s, bool complete, const char *reason,
                       const char *end_cause, int64_t end_ts, char *err, size_t errlen);
/* Close; with remove_file, delete the database and its -wal/-shm files. */
void import_sink_close(struct import_sink *s, bool remove_file);

#endif
