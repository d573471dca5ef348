/* vdb.h — the viewer's read access to a recording.
 *
 * Every read goes through SQL with an index or the rowid: keyset
 * pagination on request.id (never OFFSET), rowid point lookups, and range
 * scans that stop at a deadline and resume where they stopped, so that no
 * key waits on a scan of the whole session.  Nothing of the session is loaded whole. */
#ifndef FUSETRACE_VIEWER_VDB_H
#define FUSETRACE_VIEWER_VDB_H

#include <sqlite3.h>

#include "schemas/db_format.h"
#include <stdbool.h>
#include <stdint.h>

#include "tracedb/tracedb.h"

/* One timeline row: a request with its reply, from the `op` view. */
struct oprow {
    int64_t id, ts, unique, nodeid, pid, fh, offset, size, flags, mode;
    int64_t reply_ts, lat, err, entry_nodeid, reply_fh, bytes, nlookup;
    int opcode;
    bool has_reply, has_fh, has_offset, has_size, has_flags, has_mode, has_entry, has_rfh, has_bytes;
    char outcome;              /* 'o' ok, 'e' error, 'n' no reply by protocol, 'i' in flight */
    bool stalled;              /* the stall watchdog reported it (a `stall` row) */
    char op[24], errname[32];
    char *path, *name, *name2, *comm;   /* raw recorded bytes (escape before drawing) */
};

void oprow_free(struct oprow *r);
void oprow_move(struct oprow *dst, struct oprow *src);   /* src left empty */

/* Time -> event id for one event table (inode_event, fh_event,
 * backing_call), by binary search on the rowid, remembering every probe so
 * that later searches near the same time cost a few probes. */
struct evsample {
    int64_t id, ts;
};
#define EVCUT_MAX 16384
struct evcut {
    sqlite3 *db;
    char table[32];
    sqlite3_stmt *probe, *bounds;
    struct evsample *s;        /* id order */
    int n, cap;
};
void evcut_init(struct evcut *c, sqlite3 *db, const char *table);
void evcut_free(struct evcut *c);
/* Last id of the table whose ts <= ts; 0 when none. */
int64_t vdb_event_cut(struct evcut *c, int64_t ts);

enum { EV_INODE, EV_FH, EV_BACKING, EV_COUNT };
extern const char *const ev_table[EV_COUNT];

struct vdb {
    sqlite3 *db;
    char path[4096];
    char session[256];         /* a fleet database: the session shown ("": all) */
    char session_title[256];   /* "session 2 of 3: HOST NAME" ("": a recording) */
    struct tracedb_info info;
    int64_t min_id, max_id;    /* request ids; max grows while following */
    int64_t t_first, t_last;   /* ts of first / last request */
    int idx_nodeid;            /* 1: request(nodeid) exists, 2: request(nodeid, ts), 0: neither */
    bool has_reply[4097];      /* by opcode: the protocol answers it */
    char opname[64][16];       /* opcode < 64 -> name */
    char *filter;              /* WHERE expression over op ("1" = none) */
    sqlite3_stmt *fwd, *back;  /* filtered row scans */
    sqlite3_stmt *by_id;       /* one row by id, unfiltered */
    sqlite3_stmt *ts_of;       /* ts of the first request with id >= ? */
    sqlite3_stmt *maxid;
    int64_t deadline;          /* progress-handler deadline (monotonic ns), 0 = none */
    bool interrupted;          /* the last statement hit the deadline */
    struct evcut cut[EV_COUNT]; /* on db, by enum EV_* */
    int64_t at;                /* ft_at(): the id a scan is examining */
    bool at_set;
};

int64_t now_ns(void);

/* The first key of the session that `key` (a row id or unique_id) belongs
 * to: 0 in a recording, (k-1) << FLEET_KEY_BITS in session k of a fleet
 * database.  Where vdb_event_cut() says 0 ("no event before"), a scan of
 * the session's events starts here: from 0 it would first read every
 * earlier session's rows. */
static inline int64_t vdb_session_base(int64_t key)
{
    return key > 0 ? (key >> FLEET_KEY_BITS) << FLEET_KEY_BITS : 0;
}

/* Open with tracedb_open(); on failure a one-line reason in err.  A fleet
 * database (several sessions) is shown one session at a time: `session`
 * (an id or a host name; NULL: the first session) selects it, for this
 * connection and every other the viewer opens (vdb_open_more). */
int vdb_open(struct vdb *v, const char *path, const char *session, char *err, size_t errlen);
/* Another connection to the same recording and session (the state index,
 * the SQL prompt). */
int vdb_open_more(const struct vdb *v, sqlite3 **db, char *err, size_t errlen);
void vdb_close(struct vdb *v);
/* Re-read max_id / t_last and the session row (following a live recording).
 * Returns true when something changed. */
bool vdb_refresh(struct vdb *v);

/* Install a filter expression; on a bad expression returns -1 with SQLite's
 * message in err and keeps the old filter. */
int vdb_set_filter(struct vdb *v, const char *where, char *err, size_t errlen);

/* Filtered scan from id `from` (exclusive) in direction dir (+1/-1) for up
 * to `want` rows, stopping at `deadline` (monotonic ns).  Rows go to out[].
 * *reached is set to the last id examined (all ids between from and it were
 * checked).  Returns the number of rows; *at_end is set when the scan hit
 * the end of the session in that direction. */
int vdb_scan(struct vdb *v, int dir, int64_t from, int want, int64_t deadline,
             struct oprow *out, int64_t *reached, bool *at_end);

/* Same with an extra predicate, returning only the first matching id
 * (0 = none yet).  `pred` is an SQL expression over op. */
struct vdb_find {
    sqlite3_stmt *st;
    int dir;
    int64_t pos;               /* next scan starts after this id */
    bool done;
};
int vdb_find_begin(struct vdb *v, struct vdb_find *f, const char *pred, int dir, int64_t from,
                   char *err, size_t errlen);
/* Returns 1 found (*id), 0 not yet (call again), -1 exhausted. */
int vdb_find_step(struct vdb *v, struct vdb_find *f, int64_t deadline, int64_t *id);
void vdb_find_end(struct vdb_find *f);

/* The row with this id (unfiltered). */
int vdb_row(struct vdb *v, int64_t id, struct oprow *out);
/* Does the row pass the current filter? */
bool vdb_row_matches(struct vdb *v, int64_t id);

/* First request id whose ts >= ts (ids are taken as ts-ordered, which the
 * recorder guarantees up to the reordering between worker threads within
 * one batch).  Returns max_id+1 when none. */
int64_t vdb_id_at_ts(struct vdb *v, int64_t ts);

/* Next/previous request on the same nodeid as (nodeid, ts, id), honouring
 * the filter; 0 when none.  Needs a request(nodeid) or (nodeid, ts) index. */
int64_t vdb_same_nodeid(struct vdb *v, int dir, int64_t nodeid, int64_t ts, int64_t id);

/* A request by its kernel unique (request(unique_id) index); 0 when none. */
int64_t vdb_id_of_unique(struct vdb *v, int64_t unique);

/* Log slow statements of db when FUSETRACE_VIEW_SQLPROF names a file. */
void vdb_profile(sqlite3 *db, const char *tag);

/* Column list used for oprows; exposed for the SQL view's row jumps. */
extern const char *const vdb_row_cols;

#endif
