/* process_select.h — "this process, and everything it started": the one
 * definition the readers share (`stats --pid`, the viewer's process
 * filter).
 *
 * A process is every `process` row of its pid (the image it was forked
 * as and each image it exec'd); everything it started is every row below
 * any of those in the process_tree view (by parent_id, through any depth:
 * children forked by any image, their execs, their children). */
#ifndef FUSETRACE_TRACEDB_PROCESS_SELECT_H
#define FUSETRACE_TRACEDB_PROCESS_SELECT_H

#include <stdbool.h>

/* "PID" or "PID+" ('+': with descendants).  false when it is neither. */
bool process_select_parse(const char *text, long long *pid, bool *descendants);

/* A SELECT of the `process` ids whose row satisfies `root_cond` (an SQL
 * expression over the process table's columns, e.g. "pid = 42"), and with
 * `descendants` every row below them.  sqlite3_malloc'ed; NULL when out of
 * memory. */
char *process_select_sql(const char *root_cond, bool descendants);

#endif
