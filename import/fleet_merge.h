/* fleet_merge.h — add the session of one recording to a fleet database.
 *
 * A fleet database holds several sessions (several hosts' recordings) in
 * the recording schema: session k's keys are stored offset by
 * FLEET_KEY_OFFSET(k) (schemas/db_format.h), so the views' joins stay
 * within a session without a session column in any event table.  The
 * merge copies every row of a single-session recording (made by the
 * importer into a temporary file) into the fleet in one transaction,
 * with the offset added to each key column; rows that are not keys are
 * copied as they are.
 */
#ifndef FUSETRACE_IMPORT_FLEET_MERGE_H
#define FUSETRACE_IMPORT_FLEET_MERGE_H

#include <stddef.h>
#include <stdint.h>

/* Add the one session of the recording src (closed, schema version of
 * this build) to fleet, creating fleet (mode 0600) when it does not exist,
 * as session max(id)+1.  session_name (may be NULL) is stored in
 * session.session_name.  A session already there (same uuid, or same host
 * and session name) is refused.  Returns the new session id (>= 1), or -1
 * with a one-line reason in err (nothing of src is then in fleet; a fleet
 * file this call created is removed). */
int64_t fleet_merge(const char *fleet, const char *src, const char *session_name,
                    char *err, size_t errlen);

#endif
