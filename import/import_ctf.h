/* import_ctf.h — read every event of a CTF trace tree with libbabeltrace2
 * (source.ctf.fs per directory holding a `metadata` file -> muxer -> simple
 * sink), in timestamp order. */
#ifndef FUSETRACE_IMPORT_IMPORT_CTF_H
#define FUSETRACE_IMPORT_IMPORT_CTF_H

#include <babeltrace2/babeltrace.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctf_callbacks {
    void *ctx;
    /* An event; `ts` is the raw clock value in ns (for LTTng's monotonic
     * clock: CLOCK_MONOTONIC).  Return 0 to go on, 1 to end the reading
     * there (successfully), -1 to stop with error. */
    int (*event)(void *ctx, const bt_event *ev, uint64_t ts);
    /* `count` events were discarded by the tracer around ts. */
    int (*discarded)(void *ctx, uint64_t count, uint64_t ts);
    /* Live reading only (may be NULL): the trace's clock reached ts with
     * no event in between (the relay's inactivity beacon): no event stamped
     * before ts will come any more. */
    int (*progress)(void *ctx, uint64_t ts);
    /* Live reading only (may be NULL): nothing new has arrived for now;
     * a good moment to commit what was read.  0 or -1 (error). */
    int (*idle)(void *ctx);
};

/* Returns 0, or -1 with a one-line reason in err. */
int ctf_read(const char *dir, const struct ctf_callbacks *cb, char *err, size_t errlen);

/* Follow a live session served by an lttng-relayd (babeltrace2's
 * source.ctf.lttng-live), url = net://RELAY[:LIVEPORT]/host/HOSTNAME/SESSION.
 * A session that does not exist yet is waited for.  The relay starts a
 * reader at the current end of each stream that already exists, and at
 * the beginning of streams created after it attached: attach before the
 * session starts to read it whole.  Reads until an event callback returns
 * 1 (0 is returned) or *stop becomes non-zero (1 is returned); -1 with a
 * one-line reason in err on failure (the relay went away, ...). */
int ctf_read_live(const char *url, const struct ctf_callbacks *cb, const volatile sig_atomic_t *stop,
                  char *err, size_t errlen);

/* Field helpers over an event's payload; false when absent/mistyped. */
bool ctf_u64(const bt_field *s, const char *name, uint64_t *out);
bool ctf_i64(const bt_field *s, const char *name, int64_t *out);
const char *ctf_str(const bt_field *s, const char *name);
/* A sequence/array of 8-bit integers copied into buf (at most cap bytes);
 * returns the number of bytes, or -1 when absent. */
long ctf_bytes(const bt_field *s, const char *name, uint8_t *buf, size_t cap);

#endif
