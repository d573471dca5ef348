/* filter.h — the timeline's filters, combined with AND into one SQL
 * expression over the `op` view. */
#ifndef FUSETRACE_VIEWER_FILTER_H
#define FUSETRACE_VIEWER_FILTER_H

#include <stddef.h>

enum filter_kind {
    FK_OP,          /* op names or opcodes, comma-separated */
    FK_ERRNO,       /* errno names/numbers, or "any" */
    FK_PROC,        /* a pid, or a process name (comm) */
    FK_PREFIX,      /* path prefix (of the node, or of node/name) */
    FK_SUBSTR,      /* substring of path or name */
    FK_NODEID,      /* nodeid (request's or the entry it returned) */
    FK_LATENCY,     /* minimum latency: "1ms", "250us" (bare number = ms) */
    FK_SQL,         /* free SQL expression over op */
    FK_COUNT
};

struct filters {
    char *val[FK_COUNT];       /* user text, NULL = not set */
};

extern const char filter_keys[FK_COUNT];          /* menu letters */
extern const char *const filter_names[FK_COUNT];  /* "op", "errno", ... */

/* Set (or with an empty value, clear) one filter; -1 with a reason when the
 * value cannot be parsed. */
int filter_set(struct filters *f, enum filter_kind k, const char *value, char *err, size_t errlen);
void filter_clear_all(struct filters *f);
int filter_count(const struct filters *f);

/* The combined WHERE expression (sqlite3_malloc'ed; "1" when none).  The
 * caller validates it by preparing a statement. */
char *filter_sql(const struct filters *f);
/* Human summary for the status bar: "op=READ & errno=any". */
void filter_describe(const struct filters *f, char *buf, size_t cap);

#endif
