/* helper.h — what the gauntlet's small C workloads share: fail loudly.
 *
 * Each helper is a workload a user could have written; its stdout must be
 * the same natively and through the mount, so it prints results, never
 * pids, times or addresses.
 */
#ifndef GAUNTLET_HELPER_H
#define GAUNTLET_HELPER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define die(...) do { \
	fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fprintf(stderr, ": %s\n", strerror(errno)); \
	exit(1); \
} while (0)

/* atoi for small positive counts given on the command line */
static inline int count_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 1000000) {
		fprintf(stderr, "not a count: %s\n", s);
		exit(2);
	}
	return (int)v;
}

/* sleep for ms milliseconds (a process "working a while" before it execs) */
static inline void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

#endif
