/* lat_stats.h — the latency summary of a group of requests (an op, a
 * process, a file, ...), computed one way for `fusetrace stats` and the
 * viewer's statistics view, so both print the same numbers for the same
 * recording.
 *
 * Latencies go into a log histogram with eight sub-buckets per power of
 * two; a percentile is the nearest-rank bucket's midpoint, clamped to the
 * smallest and largest latency seen, so it is within 1/16 (6.25 %) of the
 * exact nearest-rank value (and exact for a group of one).  A histogram keeps the viewer's memory flat on a
 * 10-million-request session and lets a group be summed from its parts.
 *
 * Invariants: replied <= count, errors <= count, sum of hist == replied,
 * min/max are the smallest/largest latency added (0 when replied == 0).  Requests the
 * protocol never answers (FORGET, BATCH_FORGET) and requests left
 * unanswered are counted in `count` but have no latency: they never enter
 * the histogram, so they cannot show as 0 ns. */
#ifndef FUSETRACE_UTIL_LAT_STATS_H
#define FUSETRACE_UTIL_LAT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAT_BUCKETS 320

struct lat_stats {
    int64_t count;             /* requests */
    int64_t errors;            /* replies carrying an error */
    int64_t replied;           /* requests with a latency */
    int64_t sum, min, max;     /* of those latencies, ns */
    int64_t bytes;             /* bytes read + written */
    uint32_t hist[LAT_BUCKETS];
};

/* One request: its latency when it has one (lat_ns < 0: none). */
void lat_stats_add(struct lat_stats *s, int64_t lat_ns, bool error, int64_t bytes);
void lat_stats_merge(struct lat_stats *into, const struct lat_stats *from);

int lat_bucket(int64_t ns);
int64_t lat_bucket_low(int b);           /* smallest latency of bucket b */
/* Nearest-rank percentile (p in (0, 1]); -1 when nothing replied. */
int64_t lat_stats_percentile(const struct lat_stats *s, double p);
/* Mean latency; -1 when nothing replied. */
int64_t lat_stats_avg(const struct lat_stats *s);

#define LAT_P1 0.50
#define LAT_P2 0.95
#define LAT_P3 0.99

/* A duration as a person reads it: 950ns, 12.3µs, 4.56ms, 1.234s, 2m05s;
 * "-" for a negative value (no latency).  `ascii` writes "us" for µs. */
void lat_fmt(char *buf, size_t cap, int64_t ns, bool ascii);

#endif
