/* export_perfetto.c — see export.h.
 *
 * Layout (one process, "fusetrace <mountpoint>"):
 *   - a track per FUSE worker thread (the thread that read the request);
 *     a request whose interval partly overlaps an earlier one on the same
 *     thread (a request handed to another thread, e.g. a blocking SETLKW)
 *     goes to an extra lane of that thread, so slices always nest;
 *   - requests without a reply (FORGET, INTERRUPT...) are instant events;
 *     requests never answered are slices up to the end of the session;
 *   - backing calls are slices on their own thread's track, each with a
 *     flow arrow from the request that caused it;
 *   - a counter track "requests in flight".
 * Timestamps are microseconds (with ns decimals) from the session start.
 */
#include "tracedb/export.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tracedb/json_out.h"
#include "util/u64map.h"

#define PID 1
#define LANE_TID_STEP 10000000LL   /* above any Linux tid (pid_max <= 4194304) */

struct lane {
    int64_t tid;               /* the real thread */
    int k;                     /* lane number, 0 = the thread itself */
    int64_t end;               /* end of the last slice placed in it */
};

struct lanes {
    struct lane *v;
    size_t n, cap;
};

/* Pick the first lane of `tid` where [start, end) does not overlap the last
 * slice, or which contains it entirely (nesting is fine: we only compare
 * with the last slice, and requests on one thread are sequential). */
static int64_t place(struct lanes *L, FILE *f, int64_t tid, int64_t start, int64_t end,
                     bool *oom)
{
    int maxk = -1;
    for (size_t i = 0; i < L->n; i++) {
        struct lane *l = &L->v[i];
        if (l->tid != tid)
            continue;
        if (l->k > maxk)
            maxk = l->k;
        if (l->end <= start) {
            l->end = end;
            return tid + l->k * LANE_TID_STEP;
        }
    }
    if (L->n == L->cap) {
        size_t nc = L->cap ? 2 * L->cap : 64;
        struct lane *nv = realloc(L->v, nc * sizeof *nv);
        if (!nv) {
            *oom = true;
            return tid;
        }
        L->v = nv;
        L->cap = nc;
    }
    int k = maxk + 1;
    L->v[L->n++] = (struct lane){ tid, k, end };
    int64_t t = tid + k * LANE_TID_STEP;
    struct jw w = { f, true };
    fputs(",\n", f);
    jw_open(&w);
    jw_str(&w, "ph", "M");
    jw_str(&w, "name", "thread_name");
    jw_int(&w, "pid", PID);
    jw_int(&w, "tid", t);
    jw_key(&w, "args");
    fprintf(f, "{\"name\":\"worker %" PRId64 "%s\"}", tid, k ? " (overlapping requests)" : "");
    jw_close(&w);
    if (k) {
        fputs(",\n", f);
        jw_open(&w);
        jw_str(&w, "ph", "M");
        jw_str(&w, "name", "thread_sort_index");
        jw_int(&w, "pid", PID);
        jw_int(&w, "tid", t);
        jw_key(&w, "args");
        fprintf(f, "{\"sort_index\":%" PRId64 "}", tid * 4 + k);
        jw_close(&w);
    }
    return t;
}

static void us(struct jw *w, const char *key, int64_t ns)
{
    jw_key(w, key);
    int64_t a = ns < 0 ? -ns : ns;
    fprintf(w->f, "%s%" PRId64 ".%03" PRId64, ns < 0 ? "-" : "", a / 1000, a % 1000);
}

static int fail(sqlite3 *db, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return -1;
}

int export_perfetto(sqlite3 *db, FILE *f, struct export_counts *c, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    struct lanes L = { 0 };
    struct rmap tracks = { 0 };    /* request unique -> its track */
    bool oom = false;
    int ret = -1;
    memset(c, 0, sizeof *c);

    int64_t end_ts = 0;
    char title[1024] = "fusetrace";
    if (sqlite3_prepare_v2(db,
            "SELECT coalesce(end_ts, (SELECT max(ts) FROM reply), 0), uuid, mountpoint, "
            "coalesce(command, '') FROM session", -1, &st, NULL) != SQLITE_OK)
        return fail(db, err, errlen, "reading the session");
    if (sqlite3_step(st) == SQLITE_ROW) {
        end_ts = sqlite3_column_int64(st, 0);
        snprintf(title, sizeof title, "fusetrace %s %s", sqlite3_column_text(st, 2)
                 ? (const char *)sqlite3_column_text(st, 2) : "", sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    st = NULL;
    /* The end must cover every recorded event (a killed session has none). */
    sqlite3_stmt *mx;
    if (sqlite3_prepare_v2(db, "SELECT max(coalesce((SELECT max(ts) FROM request),0),"
                               "coalesce((SELECT max(ts) FROM reply),0))", -1, &mx, NULL) == SQLITE_OK
        && sqlite3_step(mx) == SQLITE_ROW && sqlite3_column_int64(mx, 0) > end_ts)
        end_ts = sqlite3_column_int64(mx, 0);
    sqlite3_finalize(mx);

    struct jw w = { f, true };
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
    jw_open(&w);
    jw_str(&w, "ph", "M");
    jw_str(&w, "name", "process_name");
    jw_int(&w, "pid", PID);
    jw_key(&w, "args");
    jw_open(&w);
    jw_str(&w, "name", title);
    jw_close(&w);
    jw_close(&w);

    /* Requests: one slice (or instant) each. */
    if (sqlite3_prepare_v2(db,
            "SELECT o.ts, o.reply_ts, o.unique_id, coalesce(o.op, 'OP' || o.opcode), o.tid, "
            "o.nodeid, o.path, o.name, o.errno, o.errno_name, o.outcome, o.bytes, o.pid, "
            "o.entry_nodeid, o.reply_fh, o.fh, o.offset, o.size, o.name2, o.id "
            "FROM op o ORDER BY o.ts, o.id", -1, &st, NULL) != SQLITE_OK) {
        fail(db, err, errlen, "reading requests");
        goto out;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, 0);
        const char *outcome = (const char *)sqlite3_column_text(st, 10);
        bool noreply = outcome && !strcmp(outcome, "noreply");
        bool inflight = outcome && !strcmp(outcome, "inflight");
        int64_t rts = sqlite3_column_type(st, 1) == SQLITE_NULL
                    ? (inflight ? end_ts : ts) : sqlite3_column_int64(st, 1);
        if (rts < ts)
            rts = ts;
        int64_t tid = sqlite3_column_int64(st, 4);
        int64_t track = noreply ? tid : place(&L, f, tid, ts, rts, &oom);
        if (!noreply && !rmap_put(&tracks, (uint64_t)sqlite3_column_int64(st, 2), (uint64_t)track))
            oom = true;
        fputs(",\n", f);
        jw_open(&w);
        jw_str(&w, "ph", noreply ? "i" : "X");
        if (noreply)
            jw_str(&w, "s", "t");
        jw_col(&w, "name", st, 3);
        jw_str(&w, "cat", "request");
        jw_int(&w, "pid", PID);
        jw_int(&w, "tid", track);
        us(&w, "ts", ts);
        if (!noreply)
            us(&w, "dur", rts - ts);
        jw_key(&w, "args");
        jw_open(&w);
        jw_col(&w, "unique", st, 2);
        jw_col(&w, "nodeid", st, 5);
        jw_col_opt(&w, "path", st, 6);
        jw_col_opt(&w, "name", st, 7);
        jw_col_opt(&w, "name2", st, 18);
        jw_col_opt(&w, "fh", st, 15);
        jw_col_opt(&w, "offset", st, 16);
        jw_col_opt(&w, "size", st, 17);
        jw_col(&w, "pid", st, 12);
        jw_str(&w, "outcome", outcome);
        jw_col_opt(&w, "errno", st, 8);
        jw_col_opt(&w, "errno_name", st, 9);
        jw_col_opt(&w, "bytes", st, 11);
        jw_col_opt(&w, "entry_nodeid", st, 13);
        jw_col_opt(&w, "reply_fh", st, 14);
        if (!noreply && !inflight)
            jw_int(&w, "latency_ns", rts - ts);
        jw_close(&w);
        jw_close(&w);
        c->requests++;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        fail(db, err, errlen, "reading requests");
        goto out;
    }

    /* Backing calls, and a flow from their request. */
    if (sqlite3_prepare_v2(db,
            "SELECT b.id, b.ts, b.dur_ns, tb.tid, coalesce(n.name, '?'), b.fd, b.arg, b.name, "
            "b.result, b.err, b.unique_id, q.ts, tq.tid "
            "FROM backing_call b LEFT JOIN call_name n ON n.id = b.call_id "
            "LEFT JOIN thread tb ON tb.id = b.thread "
            "LEFT JOIN request q ON q.unique_id = b.unique_id AND b.unique_id <> 0 "
            "AND q.opcode NOT IN (36, 41) "
            "LEFT JOIN thread tq ON tq.id = q.thread "
            "ORDER BY b.ts, b.id", -1, &st, NULL) != SQLITE_OK) {
        fail(db, err, errlen, "reading backing calls");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int64_t ts = sqlite3_column_int64(st, 1);
        int64_t dur = sqlite3_column_int64(st, 2);
        int64_t tid = sqlite3_column_int64(st, 3);
        /* On its request's track when the request's own worker made the
         * call (it nests in the request slice); otherwise on its thread. */
        uint64_t rt;
        int64_t track = tid;
        bool have_req = sqlite3_column_type(st, 11) != SQLITE_NULL;
        if (have_req && sqlite3_column_int64(st, 12) == tid
            && rmap_get(&tracks, (uint64_t)sqlite3_column_int64(st, 10), &rt))
            track = (int64_t)rt;
        fputs(",\n", f);
        jw_open(&w);
        jw_str(&w, "ph", "X");
        jw_col(&w, "name", st, 4);
        jw_str(&w, "cat", "backing");
        jw_int(&w, "pid", PID);
        jw_int(&w, "tid", track);
        us(&w, "ts", ts);
        us(&w, "dur", dur);
        jw_key(&w, "args");
        jw_open(&w);
        jw_col(&w, "unique", st, 10);
        jw_col_opt(&w, "fd", st, 5);
        jw_col(&w, "arg", st, 6);
        jw_col_opt(&w, "name", st, 7);
        jw_col(&w, "result", st, 8);
        jw_col(&w, "err", st, 9);
        jw_close(&w);
        jw_close(&w);
        c->backing++;
        if (have_req) {
            int64_t qts = sqlite3_column_int64(st, 11);
            int64_t qtid = sqlite3_column_int64(st, 12);
            if (rmap_get(&tracks, (uint64_t)sqlite3_column_int64(st, 10), &rt))
                qtid = (int64_t)rt;
            fprintf(f, ",\n{\"ph\":\"s\",\"cat\":\"flow\",\"name\":\"backing\",\"id\":%" PRId64
                       ",\"pid\":%d,\"tid\":%" PRId64 ",", id, PID, qtid);
            struct jw t = { f, true };
            us(&t, "ts", qts);
            fprintf(f, "},\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"flow\",\"name\":\"backing\",\"id\":%"
                       PRId64 ",\"pid\":%d,\"tid\":%" PRId64 ",", id, PID, track);
            t.first = true;
            us(&t, "ts", ts);
            fputc('}', f);
            c->flows++;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        fail(db, err, errlen, "reading backing calls");
        goto out;
    }

    /* Requests in flight: +1 at each answered-type request, -1 at its reply. */
    if (sqlite3_prepare_v2(db,
            "SELECT ts, sum(d) FROM ("
            " SELECT q.ts AS ts, 1 AS d FROM request q LEFT JOIN opcode_name o ON o.opcode = q.opcode"
            "  WHERE coalesce(o.has_reply, 1) = 1"
            " UNION ALL"
            " SELECT r.ts, -1 FROM reply r JOIN request q ON q.unique_id = r.unique_id"
            "  AND q.opcode <> 41 LEFT JOIN opcode_name o ON o.opcode = q.opcode"
            "  WHERE coalesce(o.has_reply, 1) = 1"
            ") GROUP BY ts ORDER BY ts", -1, &st, NULL) != SQLITE_OK) {
        fail(db, err, errlen, "computing requests in flight");
        goto out;
    }
    int64_t level = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        level += sqlite3_column_int64(st, 1);
        fputs(",\n", f);
        jw_open(&w);
        jw_str(&w, "ph", "C");
        jw_str(&w, "name", "requests in flight");
        jw_int(&w, "pid", PID);
        us(&w, "ts", sqlite3_column_int64(st, 0));
        jw_key(&w, "args");
        fprintf(f, "{\"inflight\":%" PRId64 "}", level);
        jw_close(&w);
        c->counters++;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        fail(db, err, errlen, "computing requests in flight");
        goto out;
    }
    fputs("\n]}\n", f);
    if (oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    free(L.v);
    rmap_free(&tracks);
    return ret;
}
