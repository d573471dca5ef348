/* stats_hosts.h — `fusetrace stats --by=host`: one line per host over many
 * recordings (the sessions of a fleet, as `fusetrace import --relay`
 * stores them: one database per host session). */
#ifndef FUSETRACE_TRACEDB_STATS_HOSTS_H
#define FUSETRACE_TRACEDB_STATS_HOSTS_H

#include <stddef.h>
#include <stdint.h>

/* paths: recordings, or directories searched (recursively) for *.db files.
 * Prints the table on stdout; returns the exit status (0, or 1 after
 * naming each recording it could not read). */
int stats_by_host(char **paths, int n);

/* A duration for people: 850ns, 12.3us, 4.56ms, 1.234s ("-" if negative). */
void fmt_ns(char *buf, size_t cap, int64_t ns);

#endif
