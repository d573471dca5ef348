/* export_jsonl.c — see export.h.  One line per request (row of the op
 * view), in request order; the keys are the op view's column names (NULLs
 * left out), with the reply's own fields in "reply":
 *   {"time":"2026-11-21T13:49:47.014413Z","ts_ns":..,"t_s":0.0271,
 *    "wall_time":"2026-11-21T13:49:47.014413517Z","unique_id":..,
 *    "op":"LOOKUP","opcode":1,"nodeid":1,"path":"/","entry_path":"/d",
 *    "file":"/d","dir":"/","name":"d",...,"outcome":"ok","level":"info",
 *    "latency_ns":..,"latency_us":..,"reply":{"ts_ns":..,"errno":0,...}}
 * `time` (microseconds) is the timestamp lnav reads; scenarios/lnav/
 * fusetrace.json is the matching lnav format (its SQL table is
 * fusetrace_jsonl, whose columns are these keys). */
#include "tracedb/export.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "tracedb/json_out.h"

static void iso_time(char *buf, size_t cap, int64_t realtime_ns)
{
    time_t s = (time_t)(realtime_ns / 1000000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%06" PRId64 "Z", (realtime_ns % 1000000000) / 1000);
}

/* Columns up to REPLY_COL are the request's (written under their own
 * names); from REPLY_COL on, the reply's (under "reply", the "r_" prefix
 * dropped). */
static const char sql[] =
    "SELECT o.ts AS ts_ns, o.t_s, o.wall_time, o.unique_id, "
    "coalesce(o.op, 'OP' || o.opcode) AS op, o.opcode, o.nodeid, o.path, o.entry_path, "
    "o.entry2_path, o.path2, o.file, o.dir, o.name, o.name2, o.xattr_name, o.nodeid2, "
    "o.uid, o.gid, o.pid, o.process_id, o.comm, o.tid, o.fh, o.offset, o.size, o.flags, "
    "o.flags_text, o.mode, o.mode_text, o.umask, o.valid, o.valid_text, o.lock_type, "
    "o.lock_type_text, o.lock_start, o.lock_end, o.outcome, o.latency_ns, "
    /* REPLY_COL: */
    "r.ts AS r_ts_ns, r.error AS r_errno, o.errno_name AS r_errno_name, r.len AS r_len, "
    "r.nodeid AS r_entry_nodeid, r.attr_mode AS r_attr_mode, r.attr_size AS r_attr_size, "
    "r.fh AS r_fh, r.open_flags AS r_open_flags, o.open_flags_text AS r_open_flags_text, "
    "r.bytes AS r_bytes, r.count AS r_count, r.name AS r_name, rt.tid AS r_tid "
    "FROM op o LEFT JOIN reply r ON r.unique_id = o.unique_id AND o.opcode <> 41 "
    "LEFT JOIN thread rt ON rt.id = r.thread ORDER BY o.ts, o.id";
enum { COL_TS = 0, COL_OUTCOME = 37, COL_LATENCY = 38, REPLY_COL = 39 };

int export_jsonl(sqlite3 *db, FILE *f, struct export_counts *c, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    memset(c, 0, sizeof *c);
    int64_t t0 = 0;
    if (sqlite3_prepare_v2(db, "SELECT start_realtime_ns FROM session", -1, &st, NULL) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW)
        t0 = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading requests: %s", sqlite3_errmsg(db));
        return -1;
    }
    int ncols = sqlite3_column_count(st);
    struct jw w = { f, true };
    int rc;
    char when[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, COL_TS);
        const char *outcome = (const char *)sqlite3_column_text(st, COL_OUTCOME);
        iso_time(when, sizeof when, t0 + ts);
        jw_open(&w);
        jw_str(&w, "time", when);
        for (int i = 0; i < REPLY_COL; i++)
            jw_col_opt(&w, sqlite3_column_name(st, i), st, i);
        jw_str(&w, "level", outcome && !strcmp(outcome, "error") ? "error"
                            : outcome && !strcmp(outcome, "inflight") ? "warning" : "info");
        if (sqlite3_column_type(st, COL_LATENCY) != SQLITE_NULL)
            jw_num(&w, "latency_us", (double)sqlite3_column_int64(st, COL_LATENCY) / 1000.0, 3);
        if (sqlite3_column_type(st, REPLY_COL) != SQLITE_NULL) {
            jw_key(&w, "reply");
            jw_open(&w);
            for (int i = REPLY_COL; i < ncols; i++)
                jw_col_opt(&w, sqlite3_column_name(st, i) + 2, st, i);
            jw_close(&w);
        }
        jw_close(&w);
        fputc('\n', f);
        c->requests++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading requests: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}
