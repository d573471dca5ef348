/* stats_groups.c — see stats_groups.h. */
#include "tracedb/stats_groups.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct stats_key_def stats_key_def[STATS_NKEYS] = {
    [STATS_KEY_OP] = { "op", "OP", 14 },
    [STATS_KEY_PROCESS] = { "process", "PROCESS", 22 },
    [STATS_KEY_FILE] = { "file", "FILE", 0 },
    [STATS_KEY_DIR] = { "dir", "DIR", 0 },
};

/* The SQL of each key over `op o LEFT JOIN process p`: a process is its
 * pid and the name of its program image; a request without a file is
 * named by its nodeid, else "(no file)". */
static const char *const key_expr[STATS_NKEYS] = {
    [STATS_KEY_OP] = "coalesce(o.op, 'OP' || o.opcode)",
    [STATS_KEY_PROCESS] = "coalesce(p.pid, o.pid) || ' ' || coalesce(p.comm, o.comm, '?')",
    [STATS_KEY_FILE] = "coalesce(o.file, CASE WHEN o.nodeid THEN '(nodeid ' || o.nodeid || ')' "
                       "ELSE '(no file)' END)",
    [STATS_KEY_DIR] = "coalesce(o.dir, o.file, CASE WHEN o.nodeid THEN '(nodeid ' || o.nodeid || ')' "
                      "ELSE '(no file)' END)",
};

int64_t stats_group_total(const struct stats_group *g)
{
    return g->st.replied ? g->st.sum : -1;
}

/* By total latency, then count, descending; then by key text. */
static int by_total(const void *x, const void *y)
{
    const struct stats_group *a = *(struct stats_group *const *)x, *b = *(struct stats_group *const *)y;
    int64_t ta = stats_group_total(a), tb = stats_group_total(b);
    if (ta != tb)
        return ta < tb ? 1 : -1;
    if (a->st.count != b->st.count)
        return a->st.count < b->st.count ? 1 : -1;
    for (int k = 0; k < STATS_NKEYS; k++) {
        int c = strcmp(a->key[k] ? a->key[k] : "", b->key[k] ? b->key[k] : "");
        if (c)
            return c;
    }
    return 0;
}

/* The groups v[0..n), not the array. */
static void stats_groups_free_tail(struct stats_group **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < STATS_NKEYS; k++)
            free(v[i]->key[k]);
        free(v[i]);
    }
}

void stats_groups_free(struct stats_group **v, size_t n)
{
    stats_groups_free_tail(v, n);
    free(v);
}

/* Sort v[0..n) and free every group after the first `keep`; returns the
 * number left. */
static size_t keep_first(struct stats_group **v, size_t n, size_t keep)
{
    if (n)
        qsort(v, n, sizeof *v, by_total);   // NOLINT(bugprone-sizeof-expression): an array of pointers
    if (!keep || n <= keep)
        return n;
    stats_groups_free_tail(v + keep, n - keep);
    return keep;
}

int stats_groups(sqlite3 *db, const enum stats_key *keys, int nkeys, size_t keep,
                 struct stats_group ***out, size_t *nout, size_t *ngroups, char *err, size_t errlen)
{
    char sql[2048], cols[1024] = "", order[64] = "";
    size_t seen = 0;
    *out = NULL;
    *nout = 0;
    if (ngroups)
        *ngroups = 0;
    for (int i = 0; i < nkeys; i++) {
        size_t n = strlen(cols);
        snprintf(cols + n, sizeof cols - n, "%s, ", key_expr[keys[i]]);
        n = strlen(order);
        snprintf(order + n, sizeof order - n, "%s%d", i ? ", " : "", i + 1);
    }
    /* latency only for a request that has its reply: a FORGET or an
     * unanswered request has none (not 0 ns) */
    snprintf(sql, sizeof sql,
             "SELECT %s o.latency_ns, coalesce(o.errno, 0) <> 0, "
             "CASE WHEN o.opcode IN (15, 16) THEN o.bytes END "
             "FROM op o LEFT JOIN process p ON p.id = o.process_id ORDER BY %s",
             cols, order);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    struct stats_group **v = NULL, *cur = NULL;
    size_t n = 0, cap = 0;
    bool oom = false;
    int rc = SQLITE_DONE;
    while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool same = cur != NULL;
        for (int i = 0; i < nkeys && same; i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            same = !strcmp(cur->key[keys[i]], t ? t : "");
        }
        if (!same) {
            /* Rows come ordered by key, so every group before this one is
             * complete: one that `keep` complete groups rank above cannot
             * be among the first `keep`.  Cut back to `keep` whenever twice
             * that many are held. */
            if (keep && n >= 2 * keep)
                n = keep_first(v, n, keep);
            seen++;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                struct stats_group **nv = realloc(v, nc * sizeof *nv);   // NOLINT(bugprone-sizeof-expression): an array of pointers
                if (!nv) {
                    oom = true;
                    break;
                }
                v = nv;
                cap = nc;
            }
            if (!(cur = calloc(1, sizeof *cur))) {
                oom = true;
                break;
            }
            v[n++] = cur;
            for (int i = 0; i < nkeys; i++) {
                const char *t = (const char *)sqlite3_column_text(st, i);
                if (!(cur->key[keys[i]] = strdup(t ? t : ""))) {
                    oom = true;
                    break;
                }
            }
            if (oom)
                break;
        }
        lat_stats_add(&cur->st,
                      sqlite3_column_type(st, nkeys) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, nkeys),
                      sqlite3_column_int(st, nkeys + 1), sqlite3_column_int64(st, nkeys + 2));
    }
    if (oom || rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", oom ? "out of memory" : sqlite3_errmsg(db));
        sqlite3_finalize(st);
        stats_groups_free(v, n);
        return -1;
    }
    sqlite3_finalize(st);
    *out = v;
    *nout = keep_first(v, n, keep);
    if (ngroups)
        *ngroups = seen;
    return 0;
}
