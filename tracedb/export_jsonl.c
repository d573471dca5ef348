/* export_jsonl.c — see export.h.  One line per request (row of the op
 * view), in request order:
 *   {"time":"2026-11-21T13:49:47.014413Z","ts_ns":..,"unique":..,"op":"LOOKUP",
 *    "opcode":1,"nodeid":1,"path":"/","name":"d",...,"outcome":"ok",
 *    "latency_ns":..,"latency_us":..,"reply":{"ts_ns":..,"errno":0,...}}
 * `time` is wall-clock UTC (session start + ts) for lnav; scenarios/lnav/
 * fusetrace.json is the matching lnav format. */
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

int export_jsonl(sqlite3 *db, FILE *f, struct export_counts *c, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    memset(c, 0, sizeof *c);
    int64_t t0 = 0;
    if (sqlite3_prepare_v2(db, "SELECT start_realtime_ns FROM session", -1, &st, NULL) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW)
        t0 = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);

    static const char *sql =
        "SELECT o.ts, o.unique_id, coalesce(o.op, 'OP' || o.opcode), o.opcode, o.nodeid, "
        "o.path, o.name, o.name2, o.nodeid2, o.uid, o.gid, o.pid, o.tid, o.fh, o.offset, "
        "o.size, o.flags, o.mode, o.outcome, o.latency_ns, "
        /* 20: reply */
        "r.ts, r.error, o.errno_name, r.len, r.nodeid, r.attr_mode, r.attr_size, r.fh, "
        "r.open_flags, r.bytes, r.count, r.name, rt.tid, "
        /* 33 */
        "p.comm "
        "FROM op o LEFT JOIN reply r ON r.unique_id = o.unique_id AND o.opcode <> 41 "
        "LEFT JOIN thread rt ON rt.id = r.thread "
        "LEFT JOIN process p ON p.id = o.process_id ORDER BY o.ts, o.id";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading requests: %s", sqlite3_errmsg(db));
        return -1;
    }
    struct jw w = { f, true };
    static const char *const req_keys[] = {
        [4] = "nodeid", [5] = "path", [6] = "name", [7] = "name2", [8] = "nodeid2",
        [9] = "uid", [10] = "gid", [11] = "pid", [12] = "tid", [13] = "fh", [14] = "offset",
        [15] = "size", [16] = "flags", [17] = "mode",
    };
    static const char *const rep_keys[] = {
        [22] = "errno_name", [23] = "len", [24] = "entry_nodeid", [25] = "attr_mode",
        [26] = "attr_size", [27] = "fh", [28] = "open_flags", [29] = "bytes",
        [30] = "count", [31] = "name", [32] = "tid",
    };
    int rc;
    char when[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, 0);
        const char *outcome = (const char *)sqlite3_column_text(st, 18);
        iso_time(when, sizeof when, t0 + ts);
        jw_open(&w);
        jw_str(&w, "time", when);
        jw_int(&w, "ts_ns", ts);
        jw_col(&w, "unique", st, 1);
        jw_col(&w, "op", st, 2);
        jw_col(&w, "opcode", st, 3);
        for (int i = 4; i <= 17; i++)
            jw_col_opt(&w, req_keys[i], st, i);
        jw_col_opt(&w, "comm", st, 33);
        jw_str(&w, "outcome", outcome);
        jw_str(&w, "level", outcome && !strcmp(outcome, "error") ? "error"
                            : outcome && !strcmp(outcome, "inflight") ? "warning" : "info");
        if (sqlite3_column_type(st, 19) != SQLITE_NULL) {
            int64_t lat = sqlite3_column_int64(st, 19);
            jw_int(&w, "latency_ns", lat);
            jw_num(&w, "latency_us", (double)lat / 1000.0, 3);
        }
        if (sqlite3_column_type(st, 20) != SQLITE_NULL) {
            jw_key(&w, "reply");
            jw_open(&w);
            jw_col(&w, "ts_ns", st, 20);
            jw_col(&w, "errno", st, 21);
            for (int i = 22; i <= 32; i++)
                jw_col_opt(&w, rep_keys[i], st, i);
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
