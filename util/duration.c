/* duration.c — see duration.h. */
#include "util/duration.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int parse_dur(const char *s, int64_t bare_unit_ns, int64_t *ns)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    double v = strtod(s, &end);
    /* !(v >= 0) also refuses NaN, which compares false with everything. */
    if (end == s || !(v >= 0))
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    double unit;
    if (!*end)
        unit = (double)bare_unit_ns;
    else if (!strcmp(end, "ns"))
        unit = 1;
    else if (!strcmp(end, "us") || !strcmp(end, "µs"))
        unit = 1e3;
    else if (!strcmp(end, "ms"))
        unit = 1e6;
    else if (!strcmp(end, "s"))
        unit = 1e9;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        unit = 60e9;
    else
        return -1;
    double total = v * unit + 0.5;
    /* 2^63 is exactly representable; anything from it up would overflow. */
    if (!(total < 9223372036854775808.0))
        return -1;
    *ns = (int64_t)total;
    return 0;
}

void timespec_add_ns(struct timespec *t, uint64_t ns)
{
    t->tv_sec += (time_t)(ns / 1000000000ULL);
    t->tv_nsec += (long)(ns % 1000000000ULL);
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}
