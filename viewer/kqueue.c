/* kqueue.c — see kqueue.h. */
#include "viewer/kqueue.h"

#include <stddef.h>

/* FORGET, INTERRUPT, NOTIFY_REPLY and BATCH_FORGET do not come from the
 * kernel's request queue (their uniques are not in its order). */
#define QUEUED_OPS "opcode NOT IN (2, 36, 41, 42)"

int kqueue_at(sqlite3 *db, int64_t id, int64_t ts, struct kq_entry *out, int max, bool *capped)
{
    static sqlite3 *for_db;
    static sqlite3_stmt *last_read, *after;
    if (for_db != db) {
        sqlite3_finalize(last_read);
        sqlite3_finalize(after);
        last_read = after = NULL;
        for_db = db;
        /* The requests read just before the cursor hold the latest unique
         * read: threads read in unique order, give or take the few that
         * read at once. */
        if (sqlite3_prepare_v2(db, "SELECT max(unique_id) FROM (SELECT unique_id FROM request "
                                   "WHERE id <= ?1 AND " QUEUED_OPS " ORDER BY id DESC LIMIT 256)",
                               -1, &last_read, NULL) != SQLITE_OK
            || sqlite3_prepare_v2(db, "SELECT k.unique_id, k.ts, k.opcode, k.tid, e.ts FROM kernel_send k "
                                      "LEFT JOIN kernel_end e ON e.unique_id = k.unique_id "
                                      "WHERE k.unique_id > ?1 ORDER BY k.unique_id LIMIT 4096",
                                  -1, &after, NULL) != SQLITE_OK) {
            sqlite3_finalize(last_read);
            last_read = NULL;
            return -1;
        }
    }
    if (!last_read || !after)
        return -1;
    _Static_assert(KQ_SCAN == 4096, "the LIMIT above");
    *capped = false;
    sqlite3_reset(last_read);
    sqlite3_bind_int64(last_read, 1, id);
    int64_t read_upto = 0;
    if (sqlite3_step(last_read) == SQLITE_ROW)
        read_upto = sqlite3_column_int64(last_read, 0);
    sqlite3_reset(last_read);

    sqlite3_reset(after);
    sqlite3_bind_int64(after, 1, read_upto);
    int depth = 0, rows = 0, rc;
    while ((rc = sqlite3_step(after)) == SQLITE_ROW) {
        rows++;
        int64_t sent = sqlite3_column_int64(after, 1);
        if (sent > ts)
            break;             /* queued after the cursor (unique order is queue order) */
        if (sqlite3_column_type(after, 4) != SQLITE_NULL && sqlite3_column_int64(after, 4) <= ts)
            continue;          /* the kernel ended it unread before the cursor */
        if (depth < max)
            out[depth] = (struct kq_entry){ sqlite3_column_int64(after, 0), sent,
                                            sqlite3_column_int64(after, 2),
                                            sqlite3_column_int64(after, 3) };
        depth++;
    }
    if (rc == SQLITE_DONE && rows == KQ_SCAN)
        *capped = true;
    sqlite3_reset(after);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? depth : -1;
}
