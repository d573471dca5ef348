/* rec_writer.h — the writer thread: drains every ring in timestamp order,
 * decodes wire messages and semantic records, and stores them through the
 * SQLite sink in large transactions. */
#ifndef FUSETRACE_TRACE_REC_WRITER_H
#define FUSETRACE_TRACE_REC_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/rec_sqlite.h"

struct writer;

/* Start the thread; the writer owns `sink` from now on.  Returns NULL (and
 * closes nothing) if the thread cannot be created. */
struct writer *writer_start(struct sink *sink, uint64_t start_mono, size_t capture,
                            char *err, size_t errlen);

struct writer_result {
    uint64_t seen, stored, lost;
    bool failed;               /* the database stopped accepting writes */
    char reason[256];          /* why the session is incomplete, or "" */
};

/* Producers must be quiescent (recorder_close() ensures it).  Drains
 * everything, finalises and closes the database, joins the thread.
 * `end_cause`: why the kernel ended the session early (the session is then
 * incomplete, with the cause and the requests left unanswered), or NULL. */
void writer_stop(struct writer *w, const char *end_cause, struct writer_result *res);

/* Commit period: a SIGKILL loses at most this much of the recording. */
#define WRITER_COMMIT_NS   (100ULL * 1000 * 1000)
#define WRITER_COMMIT_ROWS 20000

/* The writer's sleep after a pass that found every ring empty.  A longer
 * sleep lets each pass take a larger batch and wakes the writer less often
 * beside the workload: metabench 3 000 on a tmpfs source, --db against
 * unrecorded, paired median of 7 on a quiet machine: 0.5 ms 1.39, 2 ms
 * 1.22, 5 ms 1.20.  But a ring must hold what its producer writes
 * meanwhile: after a busy period longer than the sleep before it (the
 * writer behind its producers, who may be waiting for room), and always for
 * rings under 1 MiB (--ring-size), the writer sleeps the short time.
 * trace-bench, 2 producers flat out: 5 ms always cut the sustained rate
 * from 736 k to 400-504 k events/s. */
#define WRITER_IDLE_NS         (5ULL * 1000 * 1000)
#define WRITER_IDLE_SHORT_NS   (500ULL * 1000)
#define WRITER_IDLE_SMALL_RING ((size_t)1 << 20)

/* How long the writer sleeps after a pass that took nothing: `busy_ns` is
 * how long it was awake since its last sleep (of `last_sleep_ns`),
 * `empty` whether every ring was empty after that pass. */
static inline uint64_t writer_idle_ns(size_t ring_cap, uint64_t busy_ns,
                                      uint64_t last_sleep_ns, bool empty)
{
    bool pressed = ring_cap < WRITER_IDLE_SMALL_RING || busy_ns >= last_sleep_ns || !empty;
    return pressed ? WRITER_IDLE_SHORT_NS : WRITER_IDLE_NS;
}

#endif
