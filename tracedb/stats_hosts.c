/* stats_hosts.c — see stats_hosts.h.
 *
 * Each recording is opened with tracedb_open (one clear line for a file
 * that is not a usable recording); its host is session.host.  Latency
 * percentiles are over every answered request of the host's sessions,
 * computed as every other `fusetrace stats` table and the viewer compute
 * them (util/lat_stats.h: a histogram, so memory stays flat however many
 * requests a fleet sends).
 */
#include "tracedb/stats_hosts.h"

#include <ftw.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tracedb/tracedb.h"
#include "util/lat_stats.h"
#include "util/text_escape.h"

struct host {
    char *name;
    int64_t sessions, incomplete, requests, errors, lost;
    struct lat_stats lat;      /* latencies of answered requests */
};

struct hosts {
    struct host *h;
    size_t n, cap;
    bool failed;
};

static struct host *host_of(struct hosts *hs, const char *name)
{
    for (size_t i = 0; i < hs->n; i++)
        if (!strcmp(hs->h[i].name, name))
            return &hs->h[i];
    if (hs->n == hs->cap) {
        size_t nc = hs->cap ? 2 * hs->cap : 8;
        struct host *n = realloc(hs->h, nc * sizeof *n);
        if (!n)
            return NULL;
        hs->h = n;
        hs->cap = nc;
    }
    struct host *h = &hs->h[hs->n];
    memset(h, 0, sizeof *h);
    if (!(h->name = strdup(name)))
        return NULL;
    hs->n++;
    return h;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void add_recording(struct hosts *hs, const char *path)
{
    sqlite3 *db;
    struct tracedb_info info;
    char err[1024];
    if (tracedb_open(path, &db, &info, err, sizeof err) != 0) {
        tx_stderr("stats", "%s", err);
        hs->failed = true;
        return;
    }
    sqlite3_stmt *st;
    const char *name = "(unknown host)";
    char hostname[256];
    if (sqlite3_prepare_v2(db, "SELECT host FROM session", -1, &st, NULL) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(hostname, sizeof hostname, "%s", (const char *)sqlite3_column_text(st, 0));
        name = hostname;
    }
    sqlite3_finalize(st);
    struct host *h = host_of(hs, name);
    if (!h) {
        tx_stderr("stats", "out of memory");
        hs->failed = true;
        sqlite3_close(db);
        return;
    }
    h->sessions++;
    if (info.status != TRACEDB_COMPLETE)
        h->incomplete++;
    h->lost += info.events_lost;
    int64_t req = scalar(db, "SELECT count(*) FROM request");
    int64_t errs = scalar(db, "SELECT count(*) FROM reply WHERE error <> 0");
    bool ok = req >= 0 && errs >= 0;
    h->requests += req > 0 ? req : 0;
    h->errors += errs > 0 ? errs : 0;
    if (ok && sqlite3_prepare_v2(db, "SELECT latency_ns FROM op WHERE latency_ns IS NOT NULL",
                                 -1, &st, NULL) == SQLITE_OK) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            lat_stats_add(&h->lat, sqlite3_column_int64(st, 0), false, 0);
        ok = rc == SQLITE_DONE;
    } else {
        ok = false;
    }
    if (!ok) {
        tx_stderr("stats", "%s: cannot read requests: %s", path, sqlite3_errmsg(db));
        hs->failed = true;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* nftw has no user pointer: the walk's target is static (one walk at a time). */
static struct hosts *walking;

static int visit(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    size_t n = strlen(p + ftw->base);
    if (type == FTW_F && n > 3 && !strcmp(p + ftw->base + n - 3, ".db"))
        add_recording(walking, p);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct host *)a)->name, ((const struct host *)b)->name);
}

int stats_by_host(char **paths, int n)
{
    struct hosts hs = { 0 };
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            walking = &hs;
            if (nftw(paths[i], visit, 16, FTW_PHYS) != 0) {
                tx_stderr("stats", "%s: cannot walk the directory", paths[i]);
                hs.failed = true;
            }
            walking = NULL;
        } else {
            add_recording(&hs, paths[i]);
        }
    }
    if (hs.n)
        qsort(hs.h, hs.n, sizeof *hs.h, by_name);
    printf("%-24s %8s %10s %10s %8s %10s %10s %10s %11s\n", "host", "sessions", "incomplete",
           "requests", "errors", "p50", "p95", "max", "events_lost");
    for (size_t i = 0; i < hs.n; i++) {
        struct host *h = &hs.h[i];
        char p50[32], p95[32], max[32], name[512];
        fmt_ns(p50, sizeof p50, lat_stats_percentile(&h->lat, LAT_P1));
        fmt_ns(p95, sizeof p95, lat_stats_percentile(&h->lat, LAT_P2));
        fmt_ns(max, sizeof max, h->lat.replied ? h->lat.max : -1);
        tx_escape_buf(name, sizeof name, h->name, strlen(h->name));
        printf("%-24s %8" PRId64 " %10" PRId64 " %10" PRId64 " %8" PRId64 " %10s %10s %10s %11"
               PRId64 "\n", name, h->sessions, h->incomplete, h->requests, h->errors, p50, p95,
               max, h->lost);
        free(h->name);
    }
    free(hs.h);
    if (fflush(stdout) != 0) {
        perror("fusetrace stats: writing output");
        return 1;
    }
    return hs.failed ? 1 : 0;
}
