/* export_perfetto.c — see export.h.
 *
 * Chrome trace-event JSON (the format ui.perfetto.dev and chrome://tracing
 * open), laid out as a person reads a build:
 *   - one process per application process that made requests (pid and
 *     name: its command line, else its comm), its threads as threads: a
 *     request is a slice on the thread that made it, from the request to
 *     its reply (a request the protocol never answers, FORGET..., is an
 *     instant; one never answered runs to the end of the session).  A
 *     thread's requests that overlap (readahead READs next to the read that
 *     caused them) go to extra lanes of that thread, so slices always nest.
 *     Requests without a calling process (pid 0: INIT, the kernel's own)
 *     are on a process of their own, "kernel";
 *   - the daemon is a process of its own (its pid), one thread per worker:
 *     each backing syscall is a slice there;
 *   - flows: a request with backing calls starts a flow (flow events
 *     "v2": bind_id = its unique, flow_out on the request) that enters each
 *     worker thread at the request's first call there (flow_in, and
 *     flow_out while another step follows); the calls after it on that
 *     thread, up to the next step or a call of category "no request", are
 *     the same request's;
 *   - a counter "in flight" (requests) on the daemon: the highest level of
 *     each millisecond (samples that repeat the last are left out), and the
 *     level at the end;
 *   - with the kernel's side, a counter "kernel queue" on the daemon
 *     (requests the kernel queued that no thread has read yet: the
 *     kernel_queue view), per millisecond like "in flight"; and one counter
 *     per sampled track of the `counter` table, every sample (fuse_waiting:
 *     the connection's fusectl count).
 * The JSON has no parent-process relation, and Perfetto reads neither
 * process_sort_index nor process_labels (only chrome://tracing did), so the
 * process tree shows in each process's name: it starts with its last four
 * ancestors' names ("ninja/sh/cc/cc1: cc1 -quiet ...").
 * Timestamps are microseconds from the session start with ns decimals
 * (trailing zeros left out).
 * Everything is compact on purpose, about 300 bytes per request or less:
 * one event a line would cost a byte each, so events follow each other on
 * one line; defaults are left out ("s" of a thread instant); a failed
 * request's errno is part of its name (its label in the timeline, and what
 * Perfetto's search finds), not an argument; arrows only where a request
 * moves to another thread (see backing()).  The export test bounds the
 * size per request (tests/replay/check_export.py). */
#include "tracedb/export.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/text_escape.h"
#include "util/u64map.h"

/* Above any Linux pid (pid_max <= 4194304): lanes and the kernel process. */
#define LANE_TID_STEP 10000000LL
#define KERNEL_PID 4194305LL
#define COUNTER_BUCKET_NS 1000000LL

struct lane {
    int64_t end;               /* end of the last slice placed in it */
    int32_t next;              /* next lane of the same thread, index + 1 */
};

struct out {
    FILE *f;
    bool first;                /* no event written yet */
    bool oom;
    struct lane *lanes;
    size_t nlanes, caplanes;
    struct rmap lane_of;       /* tid + 1 -> first lane index + 1 */
    struct rmap named_pid;     /* pid + 1 -> process.id (+1) whose name is out */
    struct rmap named_tid;     /* (pid << 32 | tid) + 1 -> 1 once named */
};

static void sep(struct out *o)
{
    if (!o->first)
        fputc(',', o->f);
    o->first = false;
}

/* ns as microseconds: "12.5", "12", "0.034" */
static void us(FILE *f, int64_t ns)
{
    int64_t a = ns < 0 ? -ns : ns, frac = a % 1000;
    fprintf(f, "%s%" PRId64, ns < 0 ? "-" : "", a / 1000);
    if (frac) {
        int digits = 3;
        for (; frac % 10 == 0; frac /= 10)
            digits--;
        fprintf(f, ".%0*" PRId64, digits, frac);
    }
}

static void str(FILE *f, const char *s)
{
    tx_json_string(f, s ? s : "", s ? strlen(s) : 0);
}

static void meta(struct out *o, const char *what, int64_t pid, int64_t tid, const char *key,
                 const char *text, int64_t num)
{
    sep(o);
    fprintf(o->f, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%" PRId64, what, pid);
    if (tid >= 0)
        fprintf(o->f, ",\"tid\":%" PRId64, tid);
    fprintf(o->f, ",\"args\":{\"%s\":", key);
    if (text)
        str(o->f, text);
    else
        fprintf(o->f, "%" PRId64, num);
    fputs("}}", o->f);
}

/* A pid names one process in this format, but a process execs: each new
 * program image (process row) of a pid names it again, so the name the
 * viewer keeps (the last one) is the last program the pid ran. */
static void name_process(struct out *o, int64_t pid, int64_t image, const char *name)
{
    uint64_t v;
    if (rmap_get(&o->named_pid, (uint64_t)pid + 1, &v) && v == (uint64_t)image + 1)
        return;
    if (!rmap_put(&o->named_pid, (uint64_t)pid + 1, (uint64_t)image + 1))
        o->oom = true;
    meta(o, "process_name", pid, -1, "name", name, 0);
}

/* A thread's name, once.  Not the main thread's (tid == pid): it is the
 * process's track, shown under the process's name, which follows each exec
 * where a thread name, written once, would keep the first program's. */
static void name_thread(struct out *o, int64_t pid, int64_t tid, const char *name)
{
    uint64_t v, key = ((uint64_t)pid << 32 ^ (uint64_t)tid) + 1;
    if (tid == pid || rmap_get(&o->named_tid, key, &v))
        return;
    if (!rmap_put(&o->named_tid, key, 1))
        o->oom = true;
    meta(o, "thread_name", pid, tid, "name", name, 0);
}

/* The track (a tid of `pid`) for a slice [start, end) of thread `tid`: the
 * first of its lanes whose last slice ended by `start`, or a new lane.
 * One thread's requests are in time order, so comparing with the last
 * slice of each lane is enough for them to nest. */
static int64_t place(struct out *o, int64_t pid, int64_t tid, int64_t start, int64_t end,
                     const char *thread_name)
{
    uint64_t v;
    int k = 0;
    int32_t *link = NULL;
    if (rmap_get(&o->lane_of, (uint64_t)tid + 1, &v)) {
        for (int32_t i = (int32_t)v; i; i = o->lanes[i - 1].next, k++) {
            struct lane *l = &o->lanes[i - 1];
            if (l->end <= start) {
                if (end > l->end)
                    l->end = end;
                return tid + k * LANE_TID_STEP;
            }
            link = &l->next;
        }
    }
    if (o->nlanes == o->caplanes) {
        size_t nc = o->caplanes ? o->caplanes * 2 : 256;
        struct lane *nl = realloc(o->lanes, nc * sizeof *nl);
        if (!nl) {
            o->oom = true;
            return tid;
        }
        /* `link` pointed into the old array */
        if (link)
            link = (int32_t *)((char *)nl + ((char *)link - (char *)o->lanes));
        o->lanes = nl;
        o->caplanes = nc;
    }
    o->lanes[o->nlanes] = (struct lane){ .end = end, .next = 0 };
    int32_t idx = (int32_t)++o->nlanes;
    if (link)
        *link = idx;
    else if (!rmap_put(&o->lane_of, (uint64_t)tid + 1, (uint64_t)idx))
        o->oom = true;
    int64_t track = tid + k * LANE_TID_STEP;
    if (k == 0) {
        name_thread(o, pid, track, thread_name);
    } else {
        char nm[96];
        snprintf(nm, sizeof nm, "%.60s %" PRId64 " (overlapping requests)", thread_name, tid);
        name_thread(o, pid, track, nm);
    }
    return track;
}

static int fail(sqlite3 *db, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return -1;
}

/* Application processes: named when their first request is written. */
static int requests(sqlite3 *db, struct out *o, int64_t end_ts, struct export_counts *c,
                    char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT o.ts, o.reply_ts, o.unique_id, coalesce(o.op, 'OP' || o.opcode), o.pid, "
            "p.pid, coalesce(o.comm, p.comm), p.cmdline, o.file, o.errno_name, o.bytes, "
            "o.outcome, bc.n, o.process_id, t.lineage "
            "FROM op o LEFT JOIN process p ON p.id = o.process_id "
            "LEFT JOIN (SELECT id, lineage FROM process_tree) t ON t.id = o.process_id "
            "LEFT JOIN (SELECT unique_id, count(*) AS n FROM backing_call WHERE unique_id <> 0 "
            "           GROUP BY unique_id) bc "
            "  ON bc.unique_id = o.unique_id AND o.opcode NOT IN (36, 41) "
            "ORDER BY o.ts, o.id", -1, &st, NULL) != SQLITE_OK)
        return fail(db, err, errlen, "reading requests");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = (int64_t)sqlite3_column_int64(st, 0);
        const char *outcome = (const char *)sqlite3_column_text(st, 11);
        bool noreply = outcome && !strcmp(outcome, "noreply");
        bool inflight = outcome && !strcmp(outcome, "inflight");
        int64_t rts = sqlite3_column_type(st, 1) == SQLITE_NULL
                    ? (inflight ? end_ts : ts) : (int64_t)sqlite3_column_int64(st, 1);
        if (rts < ts)
            rts = ts;
        int64_t tid = (int64_t)sqlite3_column_int64(st, 4);
        int64_t pid = sqlite3_column_type(st, 5) != SQLITE_NULL ? (int64_t)sqlite3_column_int64(st, 5) : tid;
        const char *comm = (const char *)sqlite3_column_text(st, 6);
        char pname[128], full[256];
        if (tid == 0) {
            pid = tid = KERNEL_PID;
            name_process(o, pid, 0, "kernel (requests without a calling process)");
            comm = "kernel";
        } else {
            const char *cmd = (const char *)sqlite3_column_text(st, 7);
            if (cmd && *cmd)
                snprintf(pname, sizeof pname, "%.120s", cmd);
            else
                snprintf(pname, sizeof pname, "%.60s", comm ? comm : "?");
            /* the tree: the name starts with the process's last four
             * ancestors, "ninja/sh/cc/cc1: cc1 -quiet ..." */
            const char *lineage = (const char *)sqlite3_column_text(st, 14);
            const char *tail = lineage ? lineage + strlen(lineage) : NULL;
            for (int k = 0; tail && k < 4 && tail > lineage; )
                if (*--tail == '/' && ++k == 4)
                    tail++;
            if (tail)
                snprintf(full, sizeof full, "%s: %s", tail, pname);
            else
                snprintf(full, sizeof full, "%s", pname);
            name_process(o, pid, (int64_t)sqlite3_column_int64(st, 13), full);
        }
        if (!comm)
            comm = "?";
        int64_t track = noreply ? tid : place(o, pid, tid, ts, rts, comm);
        if (noreply)
            name_thread(o, pid, tid, comm);
        sep(o);
        fputs("{\"ph\":", o->f);
        fputs(noreply ? "\"i\"" : "\"X\"", o->f);     /* an instant's scope: the thread by default */
        /* The name is what the slice is labelled with: the op, its file and
         * a failure's errno ("LOOKUP /src/bits ENOENT"), so a timeline reads
         * without a click and a search for an errno finds its requests. */
        const char *op = (const char *)sqlite3_column_text(st, 3);
        const char *file = (const char *)sqlite3_column_text(st, 8);
        const char *errname = (const char *)sqlite3_column_text(st, 9);
        size_t oplen = op ? strlen(op) : 0, flen = file ? (size_t)sqlite3_column_bytes(st, 8) : 0;
        size_t elen = errname ? strlen(errname) : 0;
        char stackname[512], *name = stackname;
        if (oplen + 1 + flen + 1 + elen + 1 > sizeof stackname
            && !(name = malloc(oplen + 1 + flen + 1 + elen + 1))) {
            o->oom = true;
            name = stackname;
            flen = 0;
        }
        memcpy(name, op ? op : "", oplen);
        size_t nlen = oplen;
        if (file && flen) {
            name[nlen++] = ' ';
            memcpy(name + nlen, file, flen);
            nlen += flen;
        }
        if (elen) {
            name[nlen++] = ' ';
            memcpy(name + nlen, errname, elen + 1);   /* with its NUL: room was made */
            nlen += elen;
        }
        fputs(",\"name\":", o->f);
        tx_json_string(o->f, name, nlen);
        if (name != stackname)
            free(name);
        fprintf(o->f, ",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"ts\":", pid, track);
        us(o->f, ts);
        if (!noreply) {
            fputs(",\"dur\":", o->f);
            us(o->f, rts - ts);
        }
        /* The unique is the flow's bind_id when the request has backing
         * calls, else an argument: never written twice.  Arguments only
         * when there are some. */
        int nargs = 0;
        if (sqlite3_column_type(st, 12) != SQLITE_NULL)
            fprintf(o->f, ",\"bind_id\":%" PRId64 ",\"flow_out\":true", (int64_t)sqlite3_column_int64(st, 2));
        else
            fprintf(o->f, "%s\"unique\":%" PRId64, nargs++ ? "," : ",\"args\":{",
                    (int64_t)sqlite3_column_int64(st, 2));
        if (sqlite3_column_type(st, 10) != SQLITE_NULL)
            fprintf(o->f, "%s\"bytes\":%" PRId64, nargs++ ? "," : ",\"args\":{",
                    (int64_t)sqlite3_column_int64(st, 10));
        if (inflight)
            fprintf(o->f, "%s\"outcome\":\"inflight\"", nargs++ ? "," : ",\"args\":{");
        fputs(nargs ? "}}" : "}", o->f);
        c->requests++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(db, err, errlen, "reading requests");
}

/* Backing calls on the daemon's worker threads.  A worker serves one
 * request at a time, so a request's calls lie together on its thread: the
 * request's flow enters a worker thread at its first call there (a flow
 * step: flow_in, and flow_out while a later step follows), and each call
 * without a step belongs to the same request as the call before it on its
 * thread.  A call made for no request (the daemon's own: the source's
 * setup) is of category "no request".  Arrows only where the request moves
 * to another thread keep the trace small: an arrow per call was a third of
 * its bytes.  The name is the call's, with a failure's errno ("openat
 * ENOENT"); results, fds and byte counts are in the recording's `backing`
 * view. */
static int backing(sqlite3 *db, struct out *o, int64_t daemon, struct export_counts *c,
                   char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT ts, dur_ns, tid, name, unique_id, req, step, "
            "  step AND coalesce(sum(step) OVER (PARTITION BY unique_id ORDER BY ts, id "
            "    ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0) > 0 "
            "FROM (SELECT *, req AND prev_u IS NOT unique_id AS step FROM ("
            "  SELECT b.id, b.ts, b.dur_ns, t.tid, coalesce(n.name, '?') "
            "      || CASE WHEN b.err = 0 THEN '' ELSE ' ' || coalesce(en.name, 'E' || b.err) END AS name, "
            "    b.unique_id, "
            "    q.id IS NOT NULL AS req, "
            "    lag(CASE WHEN q.id IS NOT NULL THEN b.unique_id END) "
            "      OVER (PARTITION BY b.thread ORDER BY b.ts, b.id) AS prev_u "
            "  FROM backing_call b LEFT JOIN call_name n ON n.id = b.call_id "
            "  LEFT JOIN errno_name en ON en.errno = b.err "
            "  LEFT JOIN thread t ON t.id = b.thread "
            "  LEFT JOIN request q ON q.unique_id = b.unique_id AND b.unique_id <> 0 "
            "    AND q.opcode NOT IN (36, 41))) "
            "ORDER BY ts, id", -1, &st, NULL) != SQLITE_OK)
        return fail(db, err, errlen, "reading backing calls");
    int rc;
    char tn[48];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tid = (int64_t)sqlite3_column_int64(st, 2);
        snprintf(tn, sizeof tn, "worker %" PRId64, tid);
        name_thread(o, daemon, tid, tn);
        sep(o);
        fputs("{\"ph\":\"X\",\"name\":", o->f);
        str(o->f, (const char *)sqlite3_column_text(st, 3));
        fprintf(o->f, ",\"pid\":%" PRId64 ",\"tid\":%" PRId64 ",\"ts\":", daemon, tid);
        us(o->f, (int64_t)sqlite3_column_int64(st, 0));
        fputs(",\"dur\":", o->f);
        us(o->f, (int64_t)sqlite3_column_int64(st, 1));
        if (!sqlite3_column_int(st, 5))
            fputs(",\"cat\":\"no request\"", o->f);
        else if (sqlite3_column_int(st, 6)) {
            fprintf(o->f, ",\"bind_id\":%" PRId64 ",\"flow_in\":true%s", (int64_t)sqlite3_column_int64(st, 4),
                    sqlite3_column_int(st, 7) ? ",\"flow_out\":true" : "");
            c->flows++;
        }
        fputc('}', o->f);
        c->backing++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(db, err, errlen, "reading backing calls");
}

static void counter_named(struct out *o, int64_t daemon, const char *name, const char *key, int64_t ts,
                          int64_t level, struct export_counts *c)
{
    sep(o);
    fputs("{\"ph\":\"C\",\"name\":", o->f);
    str(o->f, name);
    fprintf(o->f, ",\"pid\":%" PRId64 ",\"ts\":", daemon);
    us(o->f, ts);
    fputs(",\"args\":{", o->f);
    str(o->f, key);
    fprintf(o->f, ":%" PRId64 "}}", level);
    c->counters++;
}

/* A counter track of levels, `name` on the daemon: `sql` gives (ts, v)
 * rows in time order, v a change of the level (`steps`) or the level
 * itself.  One sample per millisecond with that millisecond's highest
 * level, then the final level (the "max" of the last sample is the level at
 * the end); a sample that repeats the last one written is left out, as a
 * counter keeps its value until the next sample. */
static int level_track(sqlite3 *db, struct out *o, int64_t daemon, const char *name, const char *sql,
                       bool steps, struct export_counts *c, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(db, err, errlen, name);
    int64_t level = 0, bucket = INT64_MIN, peak = 0, last_ts = 0, written = -1;
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, 0);
        int64_t b = ts / COUNTER_BUCKET_NS;
        if (b != bucket) {
            if (any && peak != written)
                counter_named(o, daemon, name, "max", bucket * COUNTER_BUCKET_NS, written = peak, c);
            bucket = b;
            peak = level;
        }
        level = (steps ? level : 0) + sqlite3_column_int64(st, 1);
        if (level > peak)
            peak = level;
        any = true;
        last_ts = ts;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(db, err, errlen, name);
    if (any) {
        if (peak != written)
            counter_named(o, daemon, name, "max", bucket * COUNTER_BUCKET_NS, written = peak, c);
        if (level != written)
            counter_named(o, daemon, name, "max", last_ts, level, c);
    }
    return 0;
}

/* +1 at each request the protocol answers, -1 at its reply. */
static int in_flight(sqlite3 *db, struct out *o, int64_t daemon, struct export_counts *c,
                     char *err, size_t errlen)
{
    return level_track(db, o, daemon, "in flight",
            "SELECT ts, sum(d) FROM ("
            " SELECT q.ts AS ts, 1 AS d FROM request q LEFT JOIN opcode_name o ON o.opcode = q.opcode"
            "  WHERE coalesce(o.has_reply, 1) = 1"
            " UNION ALL"
            " SELECT r.ts, -1 FROM reply r JOIN request q ON q.unique_id = r.unique_id"
            "  AND q.opcode <> 41 LEFT JOIN opcode_name o ON o.opcode = q.opcode"
            "  WHERE coalesce(o.has_reply, 1) = 1"
            ") GROUP BY ts ORDER BY ts", true, c, err, errlen);
}

/* With the kernel's side, the depth of its queue: the changes of the
 * kernel_queue view (+1 when the kernel queues a request; -1 when the
 * daemon reads it, or when the kernel ends one the daemon never read, or,
 * for one withdrawn without an end event, when the daemon reads the next
 * request).  The same rows as the view, but the view looks requests up by
 * unique_id in correlated subqueries, which without the request_unique
 * index (a recording whose recorder was killed never built it) scans the
 * request table once per queued request.  Here every lookup is by a
 * primary key, through a list SQLite builds once, or through an automatic
 * index, so the export stays linear on such a recording and never has to
 * write to it.  Empty without the kernel's side. */
static int kernel_queue(sqlite3 *db, struct out *o, int64_t daemon, struct export_counts *c,
                        char *err, size_t errlen)
{
    return level_track(db, o, daemon, "kernel queue",
            "WITH answered(u) AS (SELECT unique_id FROM request WHERE opcode <> 41),"
            " orphan(u) AS (SELECT k.unique_id FROM kernel_send k WHERE k.unique_id NOT IN answered"
            "   AND k.unique_id NOT IN (SELECT unique_id FROM kernel_end)),"
            /* an orphan's next request: number the requests in unique_id
             * order (n counts the requests up to each row), the next one
             * after an orphan row is the request numbered n + 1 */
            " m(u, ts) AS (SELECT u, NULL FROM orphan"
            "   UNION ALL SELECT unique_id, ts FROM request WHERE opcode NOT IN (2, 36, 41, 42)),"
            " w(u, ts, n) AS (SELECT u, ts, count(ts) OVER (ORDER BY u, ts IS NOT NULL ROWS UNBOUNDED PRECEDING)"
            "   FROM m),"
            " change(ts, d) AS ("
            "   SELECT ts, 1 FROM kernel_send"
            "   UNION ALL SELECT q.ts, -1 FROM request q JOIN kernel_send k ON k.unique_id = q.unique_id"
            "     WHERE q.opcode <> 41"
            "   UNION ALL SELECT e.ts, -1 FROM kernel_end e JOIN kernel_send k ON k.unique_id = e.unique_id"
            "     WHERE e.unique_id NOT IN answered"
            "   UNION ALL SELECT b.ts, -1 FROM w a JOIN w b ON b.n = a.n + 1 AND b.ts IS NOT NULL"
            "     WHERE a.ts IS NULL)"
            " SELECT ts, d FROM change ORDER BY ts, d", true, c, err, errlen);
}

/* The sampled counter tracks (the `counter` table), every sample. */
static int sampled_counters(sqlite3 *db, struct out *o, int64_t daemon, struct export_counts *c,
                            char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT name, ts, value FROM counter ORDER BY name, ts", -1, &st, NULL)
        != SQLITE_OK)
        return fail(db, err, errlen, "reading counter tracks");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        counter_named(o, daemon, name, name, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), c);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(db, err, errlen, "reading counter tracks");
    return 0;
}

int export_perfetto(sqlite3 *db, FILE *f, struct export_counts *c, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    struct out o = { .f = f, .first = true };
    int ret = -1;
    memset(c, 0, sizeof *c);

    int64_t end_ts = 0, daemon = 1;
    char title[1024] = "fusetrace daemon";
    if (sqlite3_prepare_v2(db,
            "SELECT max(coalesce(end_ts, 0), coalesce((SELECT max(ts) FROM request), 0), "
            "coalesce((SELECT max(ts) FROM reply), 0)), recorder_pid, mountpoint FROM session",
            -1, &st, NULL) != SQLITE_OK)
        return fail(db, err, errlen, "reading the session");
    if (sqlite3_step(st) == SQLITE_ROW) {
        end_ts = (int64_t)sqlite3_column_int64(st, 0);
        daemon = (int64_t)sqlite3_column_int64(st, 1);
        snprintf(title, sizeof title, "fusetrace daemon %.1000s",
                 sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
    }
    sqlite3_finalize(st);

    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
    name_process(&o, daemon, -1, title);
    if (requests(db, &o, end_ts, c, err, errlen) != 0
        || backing(db, &o, daemon, c, err, errlen) != 0
        || in_flight(db, &o, daemon, c, err, errlen) != 0
        || kernel_queue(db, &o, daemon, c, err, errlen) != 0
        || sampled_counters(db, &o, daemon, c, err, errlen) != 0)
        goto out;
    fputs("\n]}\n", f);
    if (o.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ret = 0;
out:
    free(o.lanes);
    rmap_free(&o.lane_of);
    rmap_free(&o.named_pid);
    rmap_free(&o.named_tid);
    return ret;
}
