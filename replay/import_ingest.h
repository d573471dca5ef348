/* import_ingest.h — store recorder records (trace/rec_event.h) into a
 * recording database through the recorder's SQLite sink (trace/rec_sqlite.h).
 *
 * This is the per-record half of the recorder's writer thread
 * (trace/rec_writer.c: do_request, do_reply, do_notify, do_inode, do_fh,
 * do_backing), which trace/ does not export: the same wire decoder, the same
 * sink batches, the same column bindings, so an imported LTTng trace and a
 * direct SQLite recording hold the same rows.  Two things differ, because
 * they cannot be known from a trace read later:
 *   - ts values are the LTTng event timestamps (see replay/README.md);
 *   - a pid that no fusetrace:process event described (drop mode) gets a
 *     row with its pid only: the live writer would read /proc, but a trace
 *     read later must not (the pid may belong to another process now).
 * When trace/ exports its per-record ingest, this file goes away. */
#ifndef FUSETRACE_REPLAY_IMPORT_INGEST_H
#define FUSETRACE_REPLAY_IMPORT_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "trace/rec_event.h"
#include "trace/rec_sqlite.h"

struct ingest;

/* The sink must have been created with sink_create(); it stays the
 * caller's.  Returns NULL when out of memory. */
struct ingest *ingest_new(struct sink *sink, uint64_t start_mono, size_t capture);
void ingest_free(struct ingest *g);

/* Store one record (in timestamp order).  Opens a transaction as needed and
 * commits every INGEST_COMMIT_ROWS records.  Returns an SQLite code. */
int ingest_record(struct ingest *g, const struct rec_hdr *h);

/* A loss record: `events` events of thread `tid` were discarded at ts. */
int ingest_loss(struct ingest *g, uint64_t ts, uint32_t tid, uint64_t events);

/* Counters of what was offered/stored, for the session row. */
void ingest_counters(const struct ingest *g, struct sink_counters *c);
void ingest_count_lost(struct ingest *g, uint64_t n);

/* Commit the open transaction (if any). */
int ingest_commit(struct ingest *g);

#define INGEST_COMMIT_ROWS 50000

#endif
