/* stats_groups.h — the requests of a recording grouped by op, process,
 * file or directory, each group's latency summary (util/lat_stats.h):
 * what `fusetrace stats --by=KEYS` prints and the viewer's statistics view
 * shows by file and by process, computed here once so that both give the
 * same rows with the same numbers.
 *
 * Groups come sorted by total latency (a group without any latency, only
 * FORGETs or unanswered requests, counts as less than any), then by count,
 * both descending, then by key text.  Invariant: for each group, st's
 * invariants (lat_stats.h) hold and key[k] is set (possibly "") exactly
 * for the keys asked for. */
#ifndef FUSETRACE_TRACEDB_STATS_GROUPS_H
#define FUSETRACE_TRACEDB_STATS_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "util/lat_stats.h"

enum stats_key { STATS_KEY_OP, STATS_KEY_PROCESS, STATS_KEY_FILE, STATS_KEY_DIR, STATS_NKEYS };

struct stats_key_def {
    const char *name;          /* as --by spells it */
    const char *title;         /* column heading */
    int width;                 /* column width; 0: a path (printed last, never cut) */
};
extern const struct stats_key_def stats_key_def[STATS_NKEYS];

struct stats_group {
    char *key[STATS_NKEYS];    /* the group's key text, for the keys asked */
    struct lat_stats st;
};

/* The groups of every request of the op view by keys[0..nkeys) (each at
 * most once), in the order above.  keep > 0: only the first `keep` groups
 * are returned, and at most 2 * keep are ever held while reading (a
 * group is 1.4 KB; a 10 M-request session has hundreds of thousands of
 * files).  0 with *out and *n set (free them with stats_groups_free) and,
 * when ngroups is not NULL, *ngroups the number of groups there are; -1
 * with a message in err. */
int stats_groups(sqlite3 *db, const enum stats_key *keys, int nkeys, size_t keep,
                 struct stats_group ***out, size_t *n, size_t *ngroups, char *err, size_t errlen);
void stats_groups_free(struct stats_group **v, size_t n);
/* Summed latency, -1 when no request of the group has one. */
int64_t stats_group_total(const struct stats_group *g);

#endif
