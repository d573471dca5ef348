/* duration.h — durations as users type them on command lines and prompts
 * (`--stall=5s`, `view --slow 500us`, the viewer's go-to and latency
 * filter): one parser, so every option accepts the same syntax. */
#ifndef FUSETRACE_UTIL_DURATION_H
#define FUSETRACE_UTIL_DURATION_H

#include <stdint.h>
#include <time.h>

/* Parse "1.5ms", "200us" (or "µs"), "2s", "300ns", "1m" (or "min"); a bare
 * number is taken in `bare_unit_ns`.  Surrounding blanks are allowed.
 * Returns 0 and *ns, or -1 for anything else: no number, a negative
 * number, NaN, an unknown unit, or a value beyond INT64_MAX nanoseconds. */
int parse_dur(const char *s, int64_t bare_unit_ns, int64_t *ns);

/* Add `ns` to a time for pthread_cond_timedwait and friends, keeping
 * tv_nsec in [0, 1e9). */
void timespec_add_ns(struct timespec *t, uint64_t ns);

#endif
