/* state.h — the filesystem state at any point of a recording.
 *
 * A background thread (own read-only connection) walks the session once in
 * request-id chunks and
 *   - replays inode_event / fh_event into an inode table and an fh table,
 *     writing a snapshot of both to an unlinked temp file every
 *     SNAP_EVENTS events (so a seek replays at most that many events);
 *   - records the set of requests in flight at the end of every chunk of
 *     CHUNK_REQ requests (so "in flight at t" scans at most one chunk);
 *   - accumulates the statistics view's per-op latency histograms and the
 *     latency-over-time bins.
 * The UI thread seeks with state_seek(): nearest snapshot (or its own
 * current position when that is closer) plus a bounded replay.  Memory is
 * the live tables, not the session: the snapshots live on disk. */
#ifndef FUSETRACE_VIEWER_STATE_H
#define FUSETRACE_VIEWER_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "util/lat_stats.h"

#define CHUNK_REQ 4096
#define SNAP_EVENTS 32768
#define NOPS 64                 /* opcode slot: opcode < 63, else 63 */
#define NBINS 512               /* latency-over-time bins */

/* One entry of the inode or fh table. */
struct ent {
    int64_t key;               /* nodeid / fh */
    int64_t a;                 /* inode: nlookup          fh: nodeid */
    int64_t b;                 /* last event id */
    int64_t c;                 /* inode: NEW event id     fh: open flags */
    int64_t u;                 /* unique of the last event */
    int32_t d;                 /* inode: pinned O_PATH fd (-1)   fh: backing fd */
    int32_t e;                 /* inode: cached fd (-1)          fh: kind (0 open, 1 create, 3 opendir) */
    uint8_t f;                 /* inode: 1 handle, 2 fallback     fh: created */
    uint8_t used;
    uint8_t io;                /* inode: I/O mode (io_mode_name: 0 none .. 3 passthrough) */
    int32_t bid;               /* inode: backing id while passthrough, else 0 */
};

struct emap {
    struct ent *slot;
    size_t cap, n;
};
struct ent *emap_get(struct emap *m, int64_t key);
struct ent *emap_put(struct emap *m, int64_t key);
void emap_del(struct emap *m, int64_t key);
void emap_clear(struct emap *m);
void emap_free(struct emap *m);

struct tbin {
    int64_t count, errors, slow, sum, max;
};

struct vstats {
    struct lat_stats op[NOPS]; /* per opcode slot, as `fusetrace stats` computes them */
    /* per opcode slot, the time in the kernel's queue (kernel queued ->
     * daemon read) of the requests with the kernel side recorded */
    struct lat_stats queue[NOPS];
    int opcode_of[NOPS];       /* the opcode a slot stands for */
    struct tbin bin[NBINS];
    int64_t bin_w, t0;         /* bin i covers [t0 + i*bin_w, t0 + (i+1)*bin_w) */
    int64_t total, errors, slow, noreply;
};

struct snap {                  /* a snapshot in the temp file */
    int64_t ie_id, fe_id;      /* events applied */
    int64_t off;               /* file offset */
    int64_t n_ino, n_fh;
};

struct flight {                /* a request in flight at a chunk end */
    int64_t id, ts, reply_ts;  /* reply_ts INT64_MAX: never answered */
};

struct fcheck {                /* in-flight set after request `req_id` */
    int64_t req_id, ts;
    struct flight *v;
    int n;
};

struct state_idx {
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    /* below: shared, under mu */
    struct snap *snaps;
    int nsnaps, capsnaps;
    struct fcheck *fchecks;
    int nfchecks, capfchecks;
    int64_t req_done;          /* every request id <= this is indexed */
    int64_t ie_done, fe_done;
    int64_t max_req;           /* last seen request id */
    struct vstats stats;
    bool done;                 /* reached the end (and not following) */
    char error[256];           /* why the builder stopped short; "" while it works (under mu) */
    /* control */
    atomic_bool stop;          /* set by state_idx_stop; both read by the builder thread */
    atomic_bool follow;        /* keep polling for new rows at the end (set by the UI) */
    int64_t slow_ns;
    char path[4096];
    char session[256];
    int fd;                    /* snapshot file */
    int64_t file_end;
};

/* Start the builder on its own connection to `path`. */
/* session: of a fleet database, the one the viewer shows (vdb.session;
 * NULL or "": the recording's only session). */
int state_idx_start(struct state_idx *s, const char *path, const char *session, int64_t slow_ns,
                    bool follow, char *err, size_t errlen);
void state_idx_stop(struct state_idx *s);
/* 0..1000 progress of the builder over requests [min_id, max_id]. */
int state_idx_permille(struct state_idx *s, int64_t min_id, int64_t max_id);
/* true, with the reason in buf, once the builder has stopped on an error
 * (the index then stays where it stopped) */
bool state_idx_error(struct state_idx *s, char *buf, size_t len);
/* Copy the stats out (under the lock). */
void state_idx_stats(struct state_idx *s, struct vstats *out);

/* The UI thread's working state. */
struct work {
    struct emap ino, fh;
    int64_t ie_pos, fe_pos;    /* events applied */
    bool valid;
    sqlite3_stmt *ie_scan, *fe_scan;
    /* the answer for the last seek */
    int64_t cursor_id, cursor_ts, cursor_unique;
    bool ready;                /* false: builder not there yet */
    struct flight *inflight;
    int ninflight, capinflight;
    int64_t replayed;          /* events replayed by the last seek (for the bench) */
};

void work_init(struct work *w);
void work_free(struct work *w);
/* Bring the state to "right after the request (id, ts, unique)".  Returns
 * false (and ready=false) when the builder has not indexed that far yet. */
struct vdb;
bool state_seek(struct state_idx *s, struct work *w, struct vdb *v, int64_t id, int64_t ts, int64_t unique);

#endif
