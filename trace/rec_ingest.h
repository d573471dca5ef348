/* rec_ingest.h — recorder records (trace/rec_event.h) -> rows of a
 * recording database, through the SQLite sink's batches (rec_sqlite.h).
 *
 * The one place where a record is decoded and its rows are bound, column
 * by column.  Two users, so that they cannot drift apart:
 *   - the writer thread (rec_writer.c), which drains the rings and runs
 *     its own transactions, commit period and failure handling around
 *     ingest_store();
 *   - `fusetrace import` (import/import_lttng.c), which turns LTTng events
 *     back into these records and stores them through the public
 *     trace/import_sink.h, built on the batch API below (ingest_record,
 *     ingest_commit...), which adds transactions and counters.
 * tests/replay/import.sh compares a direct recording with an imported one
 * row by row.  Nothing here reads /proc: processes are described by the
 * records themselves (rec_process.h), so a trace read later gives the same
 * rows as the recording made live.
 */
#ifndef FUSETRACE_TRACE_REC_INGEST_H
#define FUSETRACE_TRACE_REC_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "trace/rec_event.h"
#include "trace/rec_sqlite.h"

struct ingest;

/* The sink must have been created with sink_create(); it stays the
 * caller's.  start_mono: the session's ts 0.  capture: bytes of file data
 * kept per message (--capture-data).  Returns NULL when out of memory. */
struct ingest *ingest_new(struct sink *sink, uint64_t start_mono, size_t capture);
void ingest_free(struct ingest *g);

/* Decode one record (records come in timestamp order) and add its rows to
 * the batches.  The caller has a transaction open.  Returns an SQLite
 * code. */
int ingest_store(struct ingest *g, const struct rec_hdr *h);

/* Add a `loss` row: `events` events of thread `tid` were lost at ts
 * (absolute CLOCK_MONOTONIC ns).  The caller has a transaction open. */
int ingest_loss_row(struct ingest *g, uint64_t ts, uint32_t tid, uint64_t events);

/* ---- batch API (importers): transactions and counters included ---------- */

/* ingest_store() inside a transaction opened as needed, committed every
 * INGEST_COMMIT_ROWS records; counts what it stored.  SQLite code. */
int ingest_record(struct ingest *g, const struct rec_hdr *h);
/* ingest_loss_row() inside a transaction opened as needed. */
int ingest_loss(struct ingest *g, uint64_t ts, uint32_t tid, uint64_t events);
/* Counters of what was offered/stored, for the session row. */
void ingest_counters(const struct ingest *g, struct sink_counters *c);
void ingest_count_lost(struct ingest *g, uint64_t n);
/* Commit the open transaction (if any). */
int ingest_commit(struct ingest *g);

#define INGEST_COMMIT_ROWS 50000

#endif
