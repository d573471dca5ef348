/* stats_hosts.c — see stats_hosts.h.
 *
 * Each recording is opened with tracedb_open (one clear line for a file
 * that is not a usable recording); each of its sessions (one, or several
 * in a fleet database) counts for session.host, over the session's key
 * range (FLEET_KEY_OFFSET).  Latency
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

#include "schemas/db_format.h"
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

/* One session of a recording (session id, keys in [lo, hi)): its
 * requests, errors and latencies into h. */
static bool add_session(sqlite3 *db, struct host *h, int64_t lo, int64_t hi)
{
    sqlite3_stmt *st;
    bool ok = true;
    static const char *const sql[] = {
        "SELECT count(*) FROM request WHERE id >= ?1 AND id < ?2",
        "SELECT count(*) FROM reply WHERE unique_id >= ?1 AND unique_id < ?2 AND error <> 0",
        "SELECT latency_ns FROM op WHERE id >= ?1 AND id < ?2 AND latency_ns IS NOT NULL",
    };
    for (int i = 0; i < 3 && ok; i++) {
        if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK)
            return false;
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t v = sqlite3_column_int64(st, 0);
            if (i == 0)
                h->requests += v;
            else if (i == 1)
                h->errors += v;
            else
                lat_stats_add(&h->lat, v, false, 0);
        }
        ok = rc == SQLITE_DONE;
        sqlite3_finalize(st);
    }
    return ok;
}

/* Every session of a recording: one for a recording, several for a fleet
 * database (`fusetrace import -o`), each counted for its own host. */
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
    bool ok = sqlite3_prepare_v2(db, "SELECT id, host, status, events_lost FROM session "
                                     "ORDER BY id", -1, &st, NULL) == SQLITE_OK;
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *name = sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1)
                                                      : "(unknown host)";
        struct host *h = host_of(hs, name);
        if (!h) {
            tx_stderr("stats", "out of memory");
            hs->failed = true;
            break;
        }
        h->sessions++;
        /* a single recording's status is settled by tracedb_open (a
         * killed recorder's 'recording'); a fleet's sessions are final */
        if (info.sessions == 1 ? info.status != TRACEDB_COMPLETE
                               : strcmp((const char *)sqlite3_column_text(st, 2), "complete") != 0)
            h->incomplete++;
        h->lost += sqlite3_column_int64(st, 3);
        ok = add_session(db, h, FLEET_KEY_OFFSET(id), FLEET_KEY_OFFSET(id + 1));
    }
    if (!ok || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
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
