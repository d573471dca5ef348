/* cmd_stats.c — `fusetrace stats DB`: a readable summary of a recording.
 * Everything printed comes from the documented views and tables, so each
 * number can be re-derived with `fusetrace sql`. */
#include "tracedb/commands.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracedb/session_select.h"
#include "util/lat_stats.h"
#include "util/text_escape.h"
#include "tracedb/stats_groups.h"
#include "tracedb/stats_hosts.h"
#include "tracedb/process_select.h"
#include "tracedb/tracedb.h"
#include "util/usage.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: fusetrace stats [--by=KEYS] [--top N] [--pid PID[+] [--descendants]]\n"
        "                       [--session ID|HOST] DB\n"
        "       fusetrace stats --by=host DB|DIR...\n"
        "\n"
        "Summarise a recording: session facts, duration, stalled requests (the\n"
        "stall watchdog), requests by op with latency percentiles, the kernel's side\n"
        "(queue time percentiles by op, peak queue depth, requests only one side\n"
        "saw), errors, top files,\n"
        "processes, inode and file-handle tables, fd-cache evictions, handle\n"
        "fallbacks and lost events.\n"
        "  --by=KEYS  instead, one table of requests grouped by KEYS, a comma-\n"
        "             separated list of op, process, file, dir (e.g. --by=op,file):\n"
        "             count, errors, latency p50/p95/p99, max, avg and total, and\n"
        "             bytes read + written per group, by total latency (the\n"
        "             'strace -c' table).  Requests without a reply (FORGET) are\n"
        "             counted and show '-' for latency.\n"
        "  --top N    rows in the top-N lists and the --by table (default 10;\n"
        "             with --by, 0 means all)\n"
        "  --by=host  one line per host over several recordings (directories are\n"
        "             searched for *.db, e.g. the OUTDIR of `fusetrace import\n"
        "             --relay`) or over the sessions of a fleet database (`fusetrace\n"
        "             import -o`): sessions, incomplete ones, requests, errors,\n"
        "             latency p50/p95/max over every answered request, events lost\n"
        "  --session ID|HOST  of a fleet database, only session ID, or every\n"
        "             session of HOST: every section (and the --by table) sees\n"
        "             only its requests and events.  Without it a fleet database\n"
        "             is summarised across its sessions, with one line per session\n"
        "  --pid PID  count only the requests of process PID (every program it\n"
        "             ran: its fork and each exec); PID+ or --descendants: and\n"
        "             of every process it started, at any depth (the\n"
        "             process_tree view).  Every section built on requests (and\n"
        "             the --by table) follows the selection; notifications and\n"
        "             the inode/handle tables stay for the whole recording\n"
        "  --help     show this help\n"
        "Percentiles are nearest-rank from a log histogram (within 6.25 %%), the\n"
        "same numbers as the viewer's statistics view (i).\n");
}

void fmt_ns(char *buf, size_t cap, int64_t ns)
{
    lat_fmt(buf, cap, ns, true);
}

static void fmt_bytes(char *buf, size_t cap, int64_t b)
{
    const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double v = (double)b;
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    if (i == 0)
        snprintf(buf, cap, "%" PRId64 "B", b);
    else
        snprintf(buf, cap, "%.1f%s", v, u[i]);
}

/* Print a recorded string escaped, padded/clipped to width (0 = as is). */
static void pstr(const unsigned char *s, int width)
{
    char esc[1024];
    const char *t = s ? (const char *)s : "";
    tx_escape_buf(esc, sizeof esc, t, strlen(t));
    if (width > 0) {
        size_t w = tx_width(esc);
        if ((int)w > width) {
            /* Clip on a code point boundary, keep the tail: for paths the
             * end is what identifies the file. */
            const char *p = esc;
            size_t skip = w - (size_t)width + 1;
            while (skip && *p) {
                p++;
                while ((*p & 0xc0) == 0x80)
                    p++;
                skip--;
            }
            printf("~%s", p);
        } else {
            printf("%s%*s", esc, width - (int)w, "");
        }
    } else {
        fputs(esc, stdout);
    }
}

struct q {
    sqlite3 *db;
    bool failed;
};

static sqlite3_stmt *prep(struct q *q, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fusetrace stats: %s\n", sqlite3_errmsg(q->db));
        q->failed = true;
        return NULL;
    }
    return st;
}

static bool done(struct q *q, sqlite3_stmt *st, int rc)
{
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "fusetrace stats: %s\n", sqlite3_errmsg(q->db));
        q->failed = true;
    }
    sqlite3_finalize(st);
    return !q->failed;
}

static int64_t scalar(struct q *q, const char *sql, int64_t dflt)
{
    sqlite3_stmt *st = prep(q, sql);
    if (!st)
        return dflt;
    int rc = sqlite3_step(st);
    int64_t v = dflt;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    done(q, st, rc);
    return v;
}

static void session_facts(struct q *q, const struct tracedb_info *info, const char *path)
{
    sqlite3_stmt *st = prep(q,
        "SELECT uuid, source, mountpoint, command, options, host, kernel, "
        "libfuse_version, fusetrace_version, start_realtime_ns, end_ts, "
        "proto_major, proto_minor, kernel_proto_major, kernel_proto_minor, "
        "init_flags, max_write, max_readahead, max_background, time_gran, "
        "entry_timeout_ns, attr_timeout_ns, capture_data, drop_mode, "
        "(SELECT max(ts) FROM request), recorder_pid FROM session ORDER BY id LIMIT 1");
    if (!st)
        return;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        char a[64], b[64];
        printf("Recording    ");
        pstr((const unsigned char *)path, 0);
        printf("\nSession      %s (schema %d, fusetrace %s)\n",
               sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "?",
               info->schema_version,
               sqlite3_column_text(st, 8) ? (const char *)sqlite3_column_text(st, 8) : "?");
        printf("Status       %s", tracedb_status_name(info->status));
        if (info->status == TRACEDB_INCOMPLETE) {
            printf(": ");
            pstr((const unsigned char *)info->reason, 0);
        } else if (info->status == TRACEDB_RECORDING) {
            printf(" (recorder pid %" PRId64 " still running)", info->recorder_pid);
        }
        printf("\nSource       ");
        pstr(sqlite3_column_text(st, 1), 0);
        printf("\nMountpoint   ");
        pstr(sqlite3_column_text(st, 2), 0);
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            printf("\nCommand      ");
            pstr(sqlite3_column_text(st, 3), 0);
        }
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            printf("\nOptions      ");
            pstr(sqlite3_column_text(st, 4), 0);
        }
        printf("\nHost         ");
        pstr(sqlite3_column_text(st, 5), 0);
        printf(", kernel ");
        pstr(sqlite3_column_text(st, 6), 0);
        printf(", libfuse ");
        pstr(sqlite3_column_text(st, 7), 0);
        time_t secs = (time_t)(sqlite3_column_int64(st, 9) / 1000000000);
        struct tm tm;
        char when[64] = "?";
        if (localtime_r(&secs, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &tm);
        printf("\nStarted      %s\n", when);
        int64_t end = sqlite3_column_type(st, 10) != SQLITE_NULL
                    ? sqlite3_column_int64(st, 10) : sqlite3_column_int64(st, 24);
        fmt_ns(a, sizeof a, end);
        printf("Duration     %s%s\n", a,
               sqlite3_column_type(st, 10) == SQLITE_NULL ? " (until the last request seen)" : "");
        if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
            printf("Protocol     %lld.%lld (kernel offered %lld.%lld), flags 0x%llx, "
                   "max_write %lld, max_readahead %lld, max_background %lld, time_gran %lld\n",
                   sqlite3_column_int64(st, 11), sqlite3_column_int64(st, 12),
                   sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 14),
                   (unsigned long long)sqlite3_column_int64(st, 15),
                   sqlite3_column_int64(st, 16), sqlite3_column_int64(st, 17),
                   sqlite3_column_int64(st, 18), sqlite3_column_int64(st, 19));
        } else {
            printf("Protocol     (no INIT reply recorded)\n");
        }
        if (sqlite3_column_type(st, 20) != SQLITE_NULL) {
            fmt_ns(a, sizeof a, sqlite3_column_int64(st, 20));
            fmt_ns(b, sizeof b, sqlite3_column_int64(st, 21));
            printf("Timeouts     entry %s, attr %s (first entry reply)\n", a, b);
        }
        printf("Capture      %lld data bytes per read/write, %s mode\n",
               sqlite3_column_int64(st, 22),
               sqlite3_column_int64(st, 23) ? "drop" : "lossless");
    }
    done(q, st, rc);
}

/* A fleet database (several sessions, or several selected): one line per
 * session instead of one session's facts. */
static void fleet_sessions(struct q *q, const struct tracedb_info *info, const char *path)
{
    printf("Recording    ");
    pstr((const unsigned char *)path, 0);
    printf("\nSessions     %" PRId64 " (schema %d); status %s", info->sessions,
           info->schema_version, tracedb_status_name(info->status));
    if (info->status == TRACEDB_INCOMPLETE) {
        printf(": ");
        pstr((const unsigned char *)info->reason, 0);
    }
    printf("\n  %4s  %-20s %-32s %-10s %10s  %s\n", "ID", "HOST", "SESSION", "STATUS",
           "REQUESTS", "STARTED");
    sqlite3_stmt *st = prep(q,
        "SELECT s.id, s.host, coalesce(s.session_name, s.uuid), s.status, "
        "(SELECT count(*) FROM request q WHERE q.id > (s.id - 1) << 40 AND q.id <= s.id << 40), "
        "s.start_realtime_ns FROM session s ORDER BY s.id");
    if (!st)
        return;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        printf("  %4lld  ", sqlite3_column_int64(st, 0));
        pstr(sqlite3_column_text(st, 1), 20);
        putchar(' ');
        pstr(sqlite3_column_text(st, 2), 32);
        printf(" %-10s %10lld  ", (const char *)sqlite3_column_text(st, 3),
               sqlite3_column_int64(st, 4));
        time_t secs = (time_t)(sqlite3_column_int64(st, 5) / 1000000000);
        struct tm tm;
        char when[64] = "?";
        if (localtime_r(&secs, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &tm);
        printf("%s\n", when);
    }
    done(q, st, rc);
}

/* Latency over every answered request: the number `stats --by=host`
 * gives per host, from the same histogram. */
static void latency(struct q *q)
{
    sqlite3_stmt *st = prep(q, "SELECT latency_ns FROM op WHERE latency_ns IS NOT NULL");
    if (!st)
        return;
    struct lat_stats ls = { 0 };
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        lat_stats_add(&ls, sqlite3_column_int64(st, 0), false, 0);
    if (done(q, st, rc) && ls.replied) {
        char a[32], b[32], c[32];
        fmt_ns(a, sizeof a, lat_stats_percentile(&ls, LAT_P1));
        fmt_ns(b, sizeof b, lat_stats_percentile(&ls, LAT_P2));
        fmt_ns(c, sizeof c, ls.max);
        printf("Latency      p50 %s, p95 %s, max %s over %" PRId64 " answered requests\n",
               a, b, c, (int64_t)ls.replied);
    }
}

static void events(struct q *q, const struct tracedb_info *info, bool selected)
{
    int64_t req = scalar(q, "SELECT count(*) FROM request", 0);
    int64_t rep = scalar(q, "SELECT count(*) FROM reply", 0);
    int64_t notif = scalar(q, "SELECT count(*) FROM notify", 0);
    int64_t infl = scalar(q, "SELECT count(*) FROM inflight", 0);
    printf("Events       %" PRId64 " stored, %" PRId64 " lost", info->events_stored,
           info->events_lost);
    if (info->status == TRACEDB_INCOMPLETE && info->end_ts < 0)
        printf(" (counters as of the last commit)");
    /* the tap's count is the whole session's */
    if (selected)
        printf("\nRequests     %" PRId64 ", replies %" PRId64 ", notifications %" PRId64
               " (whole session), unanswered %" PRId64 "\n", req, rep, notif, infl);
    else
        printf("\nRequests     %" PRId64 " (tap saw %" PRId64 "), replies %" PRId64
               ", notifications %" PRId64 ", unanswered %" PRId64 "\n",
               req, info->requests_seen, rep, notif, infl);
    if (info->events_lost)
        printf("LOST EVENTS  %" PRId64 " events were not recorded: this recording is "
               "not complete\n", info->events_lost);
}

/* The stall watchdog's reports, oldest first. */
static void stalls(struct q *q, int top)
{
    int64_t n = scalar(q, "SELECT count(*) FROM stall", 0);
    if (!n) {
        printf("Stalls       none (no request was held longer than --stall)\n");
        return;
    }
    int64_t open = scalar(q, "SELECT count(*) FROM stalls WHERE end_ts IS NULL", 0);
    printf("Stalls       %" PRId64 " request%s held longer than --stall", n, n == 1 ? "" : "s");
    if (open)
        printf(", %" PRId64 " not ended", open);
    printf(" (view `stalls`)\n");
    sqlite3_stmt *st = prep(q,
        "SELECT unique_id, coalesce(op, 'op' || opcode), pid, comm, tid, held_ts, "
        "duration_ns, end_reason, syscall, fd, arg, fd_path, path, name, wchan "
        "FROM stalls ORDER BY ts LIMIT ?1");
    if (!st)
        return;
    sqlite3_bind_int(st, 1, top);
    printf("  %-10s %-10s %-22s %8s %9s %-12s %s\n", "UNIQUE", "OP", "PID/COMM", "THREAD",
           "HELD", "ENDED", "SYSCALL / PATH");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char held[32], who[64], comm[32] = "";
        if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            fmt_ns(held, sizeof held, sqlite3_column_int64(st, 6));
        else
            snprintf(held, sizeof held, "-");
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            tx_escape_buf(comm, sizeof comm, (const char *)sqlite3_column_text(st, 3),
                          (size_t)sqlite3_column_bytes(st, 3));
        snprintf(who, sizeof who, "%lld %s", sqlite3_column_int64(st, 2), comm);
        const unsigned char *end = sqlite3_column_text(st, 7);
        printf("  %-10lld %-10s %-22s %8lld %9s %-12s ", sqlite3_column_int64(st, 0),
               (const char *)sqlite3_column_text(st, 1), who, sqlite3_column_int64(st, 4),
               held, end ? (const char *)end : "still held");
        if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
            pstr(sqlite3_column_text(st, 8), 0);
            printf("(fd %lld", sqlite3_column_int64(st, 9));
            if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
                putchar(' ');
                pstr(sqlite3_column_text(st, 11), 0);
            }
            printf(", arg %#llx", (unsigned long long)sqlite3_column_int64(st, 10));
            if (sqlite3_column_type(st, 13) != SQLITE_NULL) {
                printf(", \"");
                pstr(sqlite3_column_text(st, 13), 0);
                putchar('"');
            }
            printf(")");
        } else {
            printf("(not in a backing syscall)");
        }
        if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
            printf(" in ");
            pstr(sqlite3_column_text(st, 14), 0);
        }
        if (sqlite3_column_type(st, 12) != SQLITE_NULL) {
            printf(" on ");
            pstr(sqlite3_column_text(st, 12), 0);
        }
        putchar('\n');
    }
    done(q, st, rc);
}

/* ---- grouped tables: --by=KEYS and the summary's "Requests by op" ---- */

/* One table: the requests of the op view grouped by keys[0..nkeys)
 * (tracedb/stats_groups.h: the viewer's statistics compute the same), `top`
 * rows (0: all) by total latency. */
static void grouped(struct q *q, const enum stats_key *keys, int nkeys, int top)
{
    struct stats_group **v;
    size_t n, all;
    char err[512];
    if (stats_groups(q->db, keys, nkeys, top > 0 ? (size_t)top : 0, &v, &n, &all, err, sizeof err) != 0) {
        fprintf(stderr, "fusetrace stats: %s\n", err);
        q->failed = true;
        return;
    }
    /* fixed-width keys first, then the numbers, then the paths (never cut) */
    printf(" ");
    for (int i = 0; i < nkeys; i++)
        if (stats_key_def[keys[i]].width)
            printf(" %-*s", stats_key_def[keys[i]].width, stats_key_def[keys[i]].title);
    printf(" %9s %7s %9s %9s %9s %9s %9s %10s %12s", "COUNT", "ERRORS", "P50", "P95", "P99", "MAX",
           "AVG", "TOTAL", "BYTES");
    for (int i = 0; i < nkeys; i++)
        if (!stats_key_def[keys[i]].width)
            printf("  %s", stats_key_def[keys[i]].title);
    putchar('\n');
    for (size_t r = 0; r < n; r++) {
        struct stats_group *g = v[r];
        char c[6][32];
        lat_fmt(c[0], sizeof c[0], lat_stats_percentile(&g->st, LAT_P1), true);
        lat_fmt(c[1], sizeof c[1], lat_stats_percentile(&g->st, LAT_P2), true);
        lat_fmt(c[2], sizeof c[2], lat_stats_percentile(&g->st, LAT_P3), true);
        lat_fmt(c[3], sizeof c[3], g->st.replied ? g->st.max : -1, true);
        lat_fmt(c[4], sizeof c[4], lat_stats_avg(&g->st), true);
        lat_fmt(c[5], sizeof c[5], stats_group_total(g), true);
        printf(" ");
        for (int i = 0; i < nkeys; i++)
            if (stats_key_def[keys[i]].width) {
                putchar(' ');
                pstr((const unsigned char *)g->key[keys[i]], stats_key_def[keys[i]].width);
            }
        printf(" %9" PRId64 " %7" PRId64 " %9s %9s %9s %9s %9s %10s %12" PRId64, g->st.count,
               g->st.errors, c[0], c[1], c[2], c[3], c[4], c[5], g->st.bytes);
        for (int i = 0; i < nkeys; i++)
            if (!stats_key_def[keys[i]].width) {
                printf("  ");
                pstr((const unsigned char *)g->key[keys[i]], 0);
            }
        putchar('\n');
    }
    if (n < all)
        printf("  (%zu more; --top 0 shows all)\n", all - n);
    stats_groups_free(v, n);
}

static void by_op(struct q *q)
{
    printf("\nRequests by op\n");
    enum stats_key k = STATS_KEY_OP;
    grouped(q, &k, 1, 0);
}

/* "op,file" -> keys; -1 on a bad list (message printed). */
static int parse_keys(const char *list, enum stats_key *keys)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        int k;
        for (k = 0; k < STATS_NKEYS; k++)
            if (strlen(stats_key_def[k].name) == len && !strncmp(p, stats_key_def[k].name, len))
                break;
        if (k == STATS_NKEYS || n == STATS_NKEYS)
            return usage_message("stats", "bad --by '%s': host, or a comma-separated list of op, process, file, dir",
                               list), -1;
        for (int i = 0; i < n; i++)
            if (keys[i] == (enum stats_key)k)
                return usage_message("stats", "--by names '%.*s' twice", (int)len, p), -1;
        keys[n++] = (enum stats_key)k;
        p += len;
        if (*p == ',' && *++p == 0)
            return usage_message("stats", "bad --by '%s': host, or a comma-separated list of op, process, file, dir",
                               list), -1;
    }
    if (!n)
        return usage_message("stats", "--by needs host, or a list of op, process, file, dir"), -1;
    return n;
}

/* The kernel's side: which sides were recorded, the time requests waited
 * in the kernel's queue by op, the deepest the queue got, and the requests
 * one side saw without the other. */
static void kernel_side(struct q *q)
{
    sqlite3_stmt *st = prep(q, "SELECT sides, kernel_trace_note, kernel_connection, "
                               "kernel_events_lost FROM session ORDER BY id LIMIT 1");
    if (!st)
        return;
    int rc = sqlite3_step(st);
    bool on = rc == SQLITE_ROW && sqlite3_column_text(st, 0)
              && !strcmp((const char *)sqlite3_column_text(st, 0), "daemon+kernel");
    printf("\nKernel side  ");
    if (rc == SQLITE_ROW && on) {
        printf("recorded (connection %lld)", sqlite3_column_int64(st, 2));
        if (sqlite3_column_int64(st, 3))
            printf(", %lld kernel events lost", sqlite3_column_int64(st, 3));
        putchar('\n');
    } else if (rc == SQLITE_ROW) {
        printf("not recorded");
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            printf(": ");
            pstr(sqlite3_column_text(st, 1), 0);
        }
        putchar('\n');
    }
    done(q, st, rc);
    if (!on)
        return;

    int64_t peak = scalar(q, "SELECT max(depth) FROM kernel_queue", 0);
    printf("  peak queue depth %" PRId64 " (requests queued in the kernel, not yet read)\n", peak);
    st = prep(q, "SELECT side, kind, count(*) FROM request_sides WHERE side <> 'both' "
                 "GROUP BY 1, 2 ORDER BY 1, 3 DESC");
    if (!st)
        return;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        printf("  only the %s saw %lld: %s\n",
               !strcmp((const char *)sqlite3_column_text(st, 0), "kernel") ? "kernel" : "daemon",
               sqlite3_column_int64(st, 2), (const char *)sqlite3_column_text(st, 1));
    done(q, st, rc);

    st = prep(q, "SELECT op, opcode, count, p50_ns, p99_ns, max_ns FROM per_op_queue");
    if (!st)
        return;
    printf("\nQueue time by op (kernel queued -> daemon read)\n");
    printf("  %-16s %9s %9s %9s %9s\n", "OP", "COUNT", "P50", "P99", "MAX");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char p50[32], p99[32], mx[32], name[32];
        const unsigned char *op = sqlite3_column_text(st, 0);
        if (op)
            snprintf(name, sizeof name, "%s", op);
        else
            snprintf(name, sizeof name, "op%lld", sqlite3_column_int64(st, 1));
        fmt_ns(p50, sizeof p50, sqlite3_column_int64(st, 3));
        fmt_ns(p99, sizeof p99, sqlite3_column_int64(st, 4));
        fmt_ns(mx, sizeof mx, sqlite3_column_int64(st, 5));
        printf("  %-16s %9lld %9s %9s %9s\n", name, sqlite3_column_int64(st, 2), p50, p99, mx);
    }
    done(q, st, rc);
}

static void errors(struct q *q, int top)
{
    sqlite3_stmt *st = prep(q,
        "SELECT coalesce(op, 'op' || opcode), errno, coalesce(errno_name, 'E' || errno), "
        "count(*) FROM errors GROUP BY opcode, errno ORDER BY 4 DESC LIMIT ?1");
    if (!st)
        return;
    sqlite3_bind_int(st, 1, top * 3);
    printf("\nErrors by op and errno\n");
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!n++)
            printf("  %-16s %-16s %9s\n", "OP", "ERRNO", "COUNT");
        printf("  %-16s %-16s %9lld\n", (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3));
    }
    if (!n)
        printf("  (none)\n");
    done(q, st, rc);
}

static void top_files(struct q *q, int top)
{
    sqlite3_stmt *st = prep(q,
        "SELECT requests, path, nodeid FROM file_activity ORDER BY requests DESC LIMIT ?1");
    if (!st)
        return;
    sqlite3_bind_int(st, 1, top);
    printf("\nTop files by requests\n");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        printf("  %9lld  ", sqlite3_column_int64(st, 0));
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            pstr(sqlite3_column_text(st, 1), 0);
        else
            printf("(nodeid %lld)", sqlite3_column_int64(st, 2));
        putchar('\n');
    }
    done(q, st, rc);

    st = prep(q,
        "SELECT bytes_read + bytes_written, bytes_read, bytes_written, path, nodeid "
        "FROM file_activity WHERE bytes_read + bytes_written > 0 "
        "ORDER BY 1 DESC LIMIT ?1");
    if (!st)
        return;
    sqlite3_bind_int(st, 1, top);
    printf("\nTop files by bytes\n");
    int n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char t[32], r[32], w[32];
        if (!n++)
            printf("  %10s %10s %10s  %s\n", "TOTAL", "READ", "WRITTEN", "PATH");
        fmt_bytes(t, sizeof t, sqlite3_column_int64(st, 0));
        fmt_bytes(r, sizeof r, sqlite3_column_int64(st, 1));
        fmt_bytes(w, sizeof w, sqlite3_column_int64(st, 2));
        printf("  %10s %10s %10s  ", t, r, w);
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            pstr(sqlite3_column_text(st, 3), 0);
        else
            printf("(nodeid %lld)", sqlite3_column_int64(st, 4));
        putchar('\n');
    }
    if (!n)
        printf("  (no data read or written)\n");
    done(q, st, rc);
}

static void processes(struct q *q, int top)
{
    sqlite3_stmt *st = prep(q,
        "SELECT pid, comm, requests, errors, total_latency_ns, cmdline "
        "FROM per_process ORDER BY requests DESC LIMIT ?1");
    if (!st)
        return;
    sqlite3_bind_int(st, 1, top);
    int64_t nproc = scalar(q, "SELECT count(*) FROM process", 0);
    printf("\nProcesses (%" PRId64 " seen)\n", nproc);
    printf("  %8s %-16s %9s %7s %10s  %s\n", "PID", "COMM", "REQUESTS", "ERRORS",
           "TIME", "CMDLINE");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char t[32];
        fmt_ns(t, sizeof t, sqlite3_column_int64(st, 4));
        printf("  %8lld ", sqlite3_column_int64(st, 0));
        pstr(sqlite3_column_text(st, 1), 16);
        printf(" %9lld %7lld %10s  ", sqlite3_column_int64(st, 2),
               sqlite3_column_int64(st, 3), t);
        pstr(sqlite3_column_text(st, 5), 60);
        putchar('\n');
    }
    done(q, st, rc);
}

static void tables(struct q *q)
{
    int64_t peak_inodes = scalar(q,
        "SELECT max(live) FROM (SELECT sum(CASE kind WHEN 3 THEN -1 ELSE 1 END) "
        "OVER (ORDER BY id) AS live FROM inode_event WHERE kind IN (0, 3, 10))", 0);
    int64_t news = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 0", 0);
    int64_t frees = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 3", 0);
    int64_t held = scalar(q,
        "SELECT count(*) FROM inode_lifetime WHERE referenced_at_unmount "
        "AND nodeid & 0xFFFFFFFFFF <> 1", 0);
    int64_t peak_fh = scalar(q,
        "SELECT max(live) FROM (SELECT sum(CASE WHEN kind IN (0, 1, 3) THEN 1 ELSE -1 END) "
        "OVER (ORDER BY id) AS live FROM fh_event)", 0);
    int64_t opens = scalar(q, "SELECT count(*) FROM fh_event WHERE kind IN (0, 1, 3)", 0);
    int64_t created = scalar(q, "SELECT count(*) FROM fh_event WHERE kind = 1 AND created", 0);
    int64_t evict = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 7", 0);
    int64_t fdopen = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 6", 0);
    int64_t fallback = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 5", 0);
    int64_t handles = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 4", 0);
    int64_t reuse = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 8", 0);
    int64_t stale = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 9", 0);
    int64_t revived = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 10", 0);
    int64_t forgets = scalar(q, "SELECT count(*) FROM forget", 0);
    int64_t backing = scalar(q, "SELECT count(*) FROM backing_call", 0);
    int64_t berr = scalar(q, "SELECT count(*) FROM backing_call WHERE err <> 0", 0);

    printf("\nInode table  peak %" PRId64 " entries; %" PRId64 " NEW, %" PRId64
           " FREE, %" PRId64 " forgotten by the kernel (FORGET items); "
           "%" PRId64 " still referenced at unmount (root excluded)\n",
           peak_inodes, news, frees, forgets, held);
    printf("Handles      %" PRId64 " file handles taken, %" PRId64
           " fallbacks to O_PATH fds, %" PRId64 " reuse detected, %" PRId64 " stale, %" PRId64
           " forgotten nodeids revived\n",
           handles, fallback, reuse, stale, revived);
    printf("fd cache     %" PRId64 " opens, %" PRId64 " evictions\n", fdopen, evict);
    printf("File handles peak %" PRId64 " open; %" PRId64 " opens (%" PRId64
           " creates that created the file)\n", peak_fh, opens, created);
    printf("Backing      %" PRId64 " syscalls, %" PRId64 " failed\n", backing, berr);
}

/* Opens whose data never reached the daemon (kernel passthrough): what the
 * recording can still say of them.  Nothing when the session had none. */
static void passthrough_opens(struct q *q, int top)
{
    int64_t n = scalar(q, "SELECT count(*) FROM passthrough_open", 0);
    int64_t conflicts = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 15", 0);
    if (!n && !conflicts)
        return;
    int64_t files = scalar(q, "SELECT count(DISTINCT nodeid) FROM passthrough_open", 0);
    int64_t backing = scalar(q, "SELECT count(*) FROM inode_event WHERE kind = 13 AND err IS NULL", 0);
    printf("\nData not recorded (kernel passthrough): %" PRId64 " opens of %" PRId64
           " files, %" PRId64 " backing files registered, %" PRId64 " I/O mode conflicts\n",
           n, files, backing, conflicts);
    sqlite3_stmt *st = prep(q,
        "SELECT open_ts, open_ns, size_at_open, size_at_release, backing_id, path, nodeid "
        "FROM passthrough_open ORDER BY open_ts LIMIT ?1");
    if (!st)
        return;
    sqlite3_bind_int(st, 1, top);
    int rc, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char at[32], dur[32], so[32], sr[32];
        if (!rows++)
            printf("  %12s %10s %10s %10s %4s  %s\n", "OPENED AT", "OPEN FOR", "SIZE OPEN",
                   "AT CLOSE", "ID", "PATH");
        fmt_ns(at, sizeof at, sqlite3_column_int64(st, 0));
        if (sqlite3_column_type(st, 1) == SQLITE_NULL)
            snprintf(dur, sizeof dur, "still open");
        else
            fmt_ns(dur, sizeof dur, sqlite3_column_int64(st, 1));
        if (sqlite3_column_type(st, 2) == SQLITE_NULL)
            snprintf(so, sizeof so, "?");
        else
            fmt_bytes(so, sizeof so, sqlite3_column_int64(st, 2));
        if (sqlite3_column_type(st, 3) == SQLITE_NULL)
            snprintf(sr, sizeof sr, "-");
        else
            fmt_bytes(sr, sizeof sr, sqlite3_column_int64(st, 3));
        printf("  %12s %10s %10s %10s %4lld  ", at, dur, so, sr, sqlite3_column_int64(st, 4));
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
            pstr(sqlite3_column_text(st, 5), 0);
        else
            printf("(nodeid %lld)", sqlite3_column_int64(st, 6));
        putchar('\n');
    }
    done(q, st, rc);
}

/* --pid: the sections built on requests see only the selected processes.
 * TEMP views shadow the recording's own tables (unqualified names resolve
 * in the temp schema first), and each of the recording's views is created
 * again in temp, where its names then resolve to the shadows; so every
 * query below, and `op`, `errors`, `per_process`... keep their meaning for
 * the selection.  The number of process rows selected, or -1 (message
 * printed). */
static int64_t select_processes(struct q *q, long long pid, bool descendants)
{
    char *cond = sqlite3_mprintf("pid = %lld", pid);
    char *sel = cond ? process_select_sql(cond, descendants) : NULL;
    char *sql = sel ? sqlite3_mprintf(
        "CREATE TEMP TABLE selected_process AS %s;"
        "CREATE TEMP VIEW process AS SELECT * FROM main.process "
        "  WHERE id IN (SELECT id FROM temp.selected_process);"
        "CREATE TEMP VIEW request AS SELECT * FROM main.request "
        "  WHERE process_id IN (SELECT id FROM temp.selected_process);"
        "CREATE TEMP VIEW reply AS SELECT * FROM main.reply "
        "  WHERE unique_id IN (SELECT unique_id FROM temp.request);"
        "CREATE TEMP VIEW stall AS SELECT * FROM main.stall "
        "  WHERE unique_id IN (SELECT unique_id FROM temp.request);", sel) : NULL;
    sqlite3_free(cond);
    sqlite3_free(sel);
    char *msg = NULL;
    if (!sql || sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "fusetrace stats: selecting processes: %s\n", msg ? msg : "out of memory");
        sqlite3_free(msg);
        sqlite3_free(sql);
        return -1;
    }
    sqlite3_free(sql);
    /* SQLite keeps a view's text as "CREATE VIEW name AS ..." (with the
     * words it was written with after that) */
    sqlite3_stmt *st = prep(q, "SELECT name, 'CREATE TEMP VIEW' || substr(sql, 12) "
                               "FROM main.sqlite_schema WHERE type = 'view' ORDER BY rowid");
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *again = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 1));
        if (!again || sqlite3_exec(q->db, again, NULL, NULL, &msg) != SQLITE_OK) {
            fprintf(stderr, "fusetrace stats: selecting processes: view %s: %s\n",
                    (const char *)sqlite3_column_text(st, 0), msg ? msg : "out of memory");
            sqlite3_free(msg);
            sqlite3_free(again);
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_free(again);
    }
    if (!done(q, st, rc))
        return -1;
    return scalar(q, "SELECT count(*) FROM temp.selected_process", -1);
}

int cmd_stats(int argc, char **argv)
{
    const char *dbpath = NULL, *by = NULL;
    int top = 10;
    const char *pid_arg = NULL, *session_arg = NULL;
    bool descendants = false;

    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--by=", 5) || !strcmp(argv[i], "--by")) {
            const char *by = argv[i][4] == '=' ? argv[i] + 5 : i + 1 < argc ? argv[i + 1] : "";
            if (strcmp(by, "host") != 0)
                continue;          /* --by=op,file...: one recording, below */
            int first = argv[i][4] == '=' ? i + 1 : i + 2;
            for (int j = 1; j < argc; j++)
                if ((j < i || j >= first) && argv[j][0] == '-')
                    return usage_error("stats", "'%s' does not go with --by=host", argv[j]);
            if (i != 1 || first >= argc)
                return usage_error("stats", "--by=host needs DB or DIR arguments after it");
            return stats_by_host(argv + first, argc - first);
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strncmp(a, "--by=", 5) == 0 || strcmp(a, "--by") == 0) {
            if (!a[4] && i + 1 >= argc)
                return usage_error("stats", "--by needs host, or a list of op, process, file, dir");
            by = a[4] ? a + 5 : argv[++i];
        } else if (strcmp(a, "--top") == 0) {
            if (i + 1 >= argc)
                return usage_error("stats", "%s needs a number", a);
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 0 || v > 100000)
                return usage_error("stats", "bad --top value '%s'", argv[i]);
            top = (int)v;
        } else if (strcmp(a, "--pid") == 0 || strncmp(a, "--pid=", 6) == 0) {
            if (a[5] == '=')
                pid_arg = a + 6;
            else if (i + 1 < argc)
                pid_arg = argv[++i];
            else
                return usage_error("stats", "--pid needs a process id");
        } else if (strcmp(a, "--session") == 0 || strncmp(a, "--session=", 10) == 0) {
            if (a[9] == '=')
                session_arg = a + 10;
            else if (i + 1 < argc)
                session_arg = argv[++i];
            else
                return usage_error("stats", "--session needs a session id or a host name");
            if (!*session_arg)
                return usage_error("stats", "--session needs a session id or a host name");
        } else if (strcmp(a, "--descendants") == 0) {
            descendants = true;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("stats", "unknown option '%s'", a);
        } else if (!dbpath) {
            dbpath = a;
        } else {
            return usage_error("stats", "unexpected argument '%s'", a);
        }
    }
    if (!dbpath)
        return usage_error("stats", "missing DB");
    long long pid = 0;
    if (pid_arg) {
        bool plus;
        if (!process_select_parse(pid_arg, &pid, &plus))
            return usage_error("stats", "bad --pid value '%s' (a process id, or PID+ with its descendants)",
                               pid_arg);
        descendants = descendants || plus;
    } else if (descendants) {
        return usage_error("stats", "--descendants needs --pid");
    }
    if (pid_arg && session_arg)
        return usage_error("stats", "--pid and --session do not go together (a pid is one "
                           "host's: select with sql on the op_process view)");
    enum stats_key keys[STATS_NKEYS];
    int nkeys = 0;
    if (by && (nkeys = parse_keys(by, keys)) < 0)
        return EXIT_USAGE;
    if (!by && top == 0)
        return usage_error("stats", "--top 0 (all rows) is for a --by table");

    struct q q = { 0 };
    struct tracedb_info info;
    char err[1024] = "";
    if (tracedb_open(dbpath, &q.db, &info, err, sizeof err) != 0) {
        fprintf(stderr, "fusetrace stats: %s\n", err);
        return 1;
    }
    if (session_arg) {
        if (session_select(q.db, session_arg, true, err, sizeof err) < 0
            || tracedb_reread(q.db, &info) != 0) {
            fprintf(stderr, "fusetrace stats: %s: %s\n", dbpath,
                    err[0] ? err : sqlite3_errmsg(q.db));
            sqlite3_close(q.db);
            return 1;
        }
    }
    int64_t n_selected = 0;
    if (pid_arg) {
        n_selected = select_processes(&q, pid, descendants);
        if (n_selected == 0)
            fprintf(stderr, "fusetrace stats: no process with pid %lld in %s\n", pid, dbpath);
        if (n_selected <= 0) {
            sqlite3_close(q.db);
            return 1;
        }
    }
    if (by) {
        grouped(&q, keys, nkeys, top);
        goto out;
    }
    if (info.sessions > 1)
        fleet_sessions(&q, &info, dbpath);
    else
        session_facts(&q, &info, dbpath);
    if (pid_arg)
        printf("Selection    pid %lld%s: %" PRId64 " process image%s (see the process_tree view)\n",
               pid, descendants ? " and its descendants" : "", n_selected, n_selected == 1 ? "" : "s");
    events(&q, &info, pid_arg != NULL);
    latency(&q);
    stalls(&q, top);
    by_op(&q);
    kernel_side(&q);
    errors(&q, top);
    top_files(&q, top);
    passthrough_opens(&q, top);
    processes(&q, top);
    tables(&q);
out:
    sqlite3_close(q.db);
    if (fflush(stdout) != 0) {
        perror("fusetrace stats: writing output");
        return 1;
    }
    return q.failed ? 1 : 0;
}
