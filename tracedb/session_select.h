/* session_select.h — one session (or one host's sessions) of a fleet
 * database, for every reader: `stats --session`, `sql --session`,
 * `export --session`, the viewer.
 *
 * A fleet database (`fusetrace import -o`) stores session k's keys offset
 * by FLEET_KEY_OFFSET(k) (schemas/db_format.h).  Selecting sessions
 * creates TEMP views named like the recording's tables (unqualified names
 * resolve in the temp schema first) holding only the selected sessions'
 * rows, then each of the recording's views again in temp, where its names
 * resolve to those: every query a reader makes afterwards, and every view,
 * sees only the selection, with no change to the query.
 */
#ifndef FUSETRACE_TRACEDB_SESSION_SELECT_H
#define FUSETRACE_TRACEDB_SESSION_SELECT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Number of sessions in db (main schema), or -1 on error. */
int64_t session_count(sqlite3 *db);

/* Select the sessions `which` names: a session id (a number), or a host
 * name (every session of that host).  With own_keys, one selected session
 * of a fleet is shown exactly as its host recorded it: its keys less the
 * session's offset, session id 1 (what `stats`, `sql` and `export` show;
 * the views then join through computed keys, which SQLite cannot look up
 * by rowid: fine for a reader that reads everything once).  Without it
 * rows keep their stored keys, and id ranges stay rowid ranges (what the
 * viewer, which pages through ids, needs).  Returns the number of sessions
 * selected (>= 1), or -1 with a one-line reason in err (no such session
 * or host; database error). */
int64_t session_select(sqlite3 *db, const char *which, bool own_keys, char *err, size_t errlen);

struct tracedb_info;

/* tracedb_open(), then (which != NULL) session_select(which, own_keys
 * false) and info read again for the selection.  0, or -1 with err. */
int tracedb_open_session(const char *path, const char *which, sqlite3 **db,
                         struct tracedb_info *info, char *err, size_t errlen);

#endif
