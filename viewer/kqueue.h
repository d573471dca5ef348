/* kqueue.h — the requests the kernel held queued for the daemon at the
 * cursor: queued (kernel_send), not yet read by a daemon thread, not ended
 * by the kernel.  Only with the kernel's side recorded; none otherwise.
 *
 * The kernel's queue is first in, first out in unique order, so what is
 * queued right after request #id is read is what the kernel queued after
 * the last request the daemon had read by then: a rowid range of
 * kernel_send from that unique on, cut at the cursor's time.  Cost: two
 * short index/rowid scans per cursor move. */
#ifndef FUSETRACE_VIEWER_KQUEUE_H
#define FUSETRACE_VIEWER_KQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct kq_entry {
    int64_t unique, ts, opcode, tid;
};

/* Scanned at most: a deeper queue shows as "at least". */
#define KQ_SCAN 4096

/* The queue right after request `id` (read at `ts`) was read: its depth,
 * the first `max` entries (oldest first) in out[], *capped when the scan
 * stopped at KQ_SCAN rows.  -1 on an SQL error. */
int kqueue_at(sqlite3 *db, int64_t id, int64_t ts, struct kq_entry *out, int max, bool *capped);

#endif
