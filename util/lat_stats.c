/* lat_stats.c — see lat_stats.h. */
#include "util/lat_stats.h"

#include <assert.h>
#include <stdio.h>

int lat_bucket(int64_t ns)
{
    if (ns < 8)
        return ns < 0 ? 0 : (int)ns;
    int lg = 63 - __builtin_clzll((unsigned long long)ns);
    int sub = (int)((ns >> (lg - 3)) & 7);
    int b = lg * 8 + sub - 16;             /* lg >= 3: buckets 8.. */
    return b < 8 ? 8 : b >= LAT_BUCKETS ? LAT_BUCKETS - 1 : b;
}

int64_t lat_bucket_low(int b)
{
    if (b < 8)
        return b;
    int lg = (b + 16) / 8, sub = (b + 16) % 8;
    return ((int64_t)(8 + sub)) << (lg - 3);
}

void lat_stats_add(struct lat_stats *s, int64_t lat_ns, bool error, int64_t bytes)
{
    s->count++;
    if (error)
        s->errors++;
    if (bytes > 0)
        s->bytes += bytes;
    if (lat_ns < 0)
        return;
    if (!s->replied++ || lat_ns < s->min)
        s->min = lat_ns;
    s->sum += lat_ns;
    if (lat_ns > s->max)
        s->max = lat_ns;
    s->hist[lat_bucket(lat_ns)]++;
}

void lat_stats_merge(struct lat_stats *into, const struct lat_stats *from)
{
    if (from->replied && (!into->replied || from->min < into->min))
        into->min = from->min;
    into->count += from->count;
    into->errors += from->errors;
    into->replied += from->replied;
    into->sum += from->sum;
    into->bytes += from->bytes;
    if (from->max > into->max)
        into->max = from->max;
    for (int b = 0; b < LAT_BUCKETS; b++)
        into->hist[b] += from->hist[b];
}

int64_t lat_stats_percentile(const struct lat_stats *s, double p)
{
    int64_t n = s->replied;
    if (n <= 0)
        return -1;
    /* nearest rank: the smallest value with at least p*n values at or below */
    int64_t rank = (int64_t)(p * (double)n);
    if ((double)rank < p * (double)n)
        rank++;
    if (rank < 1)
        rank = 1;
    int64_t acc = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        acc += s->hist[b];
        if (acc >= rank) {
            int64_t lo = lat_bucket_low(b);
            int64_t hi = b + 1 < LAT_BUCKETS ? lat_bucket_low(b + 1) : lo * 2;
            int64_t mid = b < 8 ? lo : lo + (hi - lo) / 2;
            return mid > s->max ? s->max : mid < s->min ? s->min : mid;
        }
    }
    assert(!"histogram holds fewer values than `replied`");
    return s->max;
}

int64_t lat_stats_avg(const struct lat_stats *s)
{
    return s->replied > 0 ? s->sum / s->replied : -1;
}

void lat_fmt(char *buf, size_t cap, int64_t ns, bool ascii)
{
    uint64_t v = (uint64_t)ns;
    if (ns < 0)
        snprintf(buf, cap, "-");
    else if (v < 1000)
        snprintf(buf, cap, "%lluns", (unsigned long long)v);
    else if (v < 1000000)
        snprintf(buf, cap, "%.1f%s", (double)v / 1e3, ascii ? "us" : "µs");
    else if (v < 1000000000)
        snprintf(buf, cap, "%.2fms", (double)v / 1e6);
    else if (v < 60000000000ull)
        snprintf(buf, cap, "%.3fs", (double)v / 1e9);
    else
        snprintf(buf, cap, "%llum%02llus", (unsigned long long)(v / 60000000000ull),
                 (unsigned long long)(v / 1000000000ull % 60));
}
