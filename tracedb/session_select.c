/* session_select.c — see session_select.h. */
#include "tracedb/session_select.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schemas/db_format.h"
#include "tracedb/tracedb.h"

/* Each table whose rows belong to one session, and the key column that
 * tells which ((key >> FLEET_KEY_BITS) + 1).  Lookup tables (opcode_name,
 * bit_name...) and the name dictionaries (call_name, errno_name) are
 * shared by every session and stay whole. */
static const struct {
    const char *table, *key;
} session_tables[] = {
    { "request", "id" }, { "reply", "unique_id" }, { "notify", "id" }, { "forget", "id" },
    { "dirent", "id" }, { "manifest", "id" }, { "inode_event", "id" }, { "inode", "nodeid" },
    { "path", "id" }, { "node_name", "id" }, { "fh_event", "id" }, { "backing_call", "id" },
    { "thread", "id" }, { "process", "id" }, { "process_event", "id" }, { "loss", "id" },
    { "stall", "unique_id" }, { "stall_end", "unique_id" }, { "kernel_send", "unique_id" },
    { "kernel_end", "unique_id" }, { "counter", "id" },
};

static const char *const key_columns[] = { FLEET_KEY_COLUMNS };

static bool is_key(const char *c)
{
    for (size_t i = 0; i < sizeof key_columns / sizeof key_columns[0]; i++)
        if (strcmp(c, key_columns[i]) == 0)
            return true;
    return false;
}

/* "CREATE TEMP VIEW T AS SELECT <columns, keys less off> FROM main.T
 * WHERE <T's rows of session k>" appended to s: session k exactly as its
 * host recorded it.  key NULL: T is `session`, its row k shown as id 1. */
static int own_keys_view(sqlite3 *db, sqlite3_str *s, const char *t, const char *key,
                         int64_t k)
{
    long long off = (long long)FLEET_KEY_OFFSET(k);
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q, 'main') ORDER BY cid", t);
    sqlite3_stmt *st;
    if (!sql || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(sql);
        return -1;
    }
    sqlite3_free(sql);
    sqlite3_str_appendf(s, "CREATE TEMP VIEW \"%w\" AS SELECT ", t);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        if (!key)                              /* the session row: id 1 */
            sqlite3_str_appendf(s, "%s%s", n ? "," : "", strcmp(c, "id") ? c : "1 AS id");
        else if (is_key(c))
            sqlite3_str_appendf(s, "%sCASE WHEN \"%w\" > 0 THEN \"%w\" - %lld ELSE \"%w\" END "
                                "AS \"%w\"", n ? "," : "", c, c, off, c, c);
        else
            sqlite3_str_appendf(s, "%s\"%w\"", n ? "," : "", c);
        n++;
    }
    sqlite3_finalize(st);
    if (!key)
        sqlite3_str_appendf(s, " FROM main.session WHERE id = %lld;", (long long)k);
    else
        /* key 0 (none) belongs to session 1 by the views' rule */
        sqlite3_str_appendf(s, " FROM main.\"%w\" WHERE \"%w\" > %lld AND \"%w\" <= %lld;", t, key,
                        off, key, (long long)FLEET_KEY_OFFSET(k + 1));
    return n > 0 ? 0 : -1;
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

int64_t session_count(sqlite3 *db)
{
    return scalar(db, "SELECT count(*) FROM main.session");
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sql ? sqlite3_exec(db, sql, NULL, NULL, &msg) : SQLITE_NOMEM;
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "selecting the session: %s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : -1;
}

int64_t session_select(sqlite3 *db, const char *which, bool own_keys, char *err, size_t errlen)
{
    char *end;
    long long id = strtoll(which, &end, 10);
    bool by_id = *which && !*end;
    char *sql = by_id
        ? sqlite3_mprintf("CREATE TEMP TABLE selected_session AS "
                          "SELECT id FROM main.session WHERE id = %lld", id)
        : sqlite3_mprintf("CREATE TEMP TABLE selected_session AS "
                          "SELECT id FROM main.session WHERE host = %Q", which);
    int r = exec(db, sql, err, errlen);
    sqlite3_free(sql);
    if (r != 0)
        return -1;
    int64_t n = scalar(db, "SELECT count(*) FROM temp.selected_session");
    if (n <= 0) {
        /* name what there is: the user mistyped a host or a number */
        sqlite3_stmt *st;
        char have[256] = "";
        size_t len = 0;
        if (sqlite3_prepare_v2(db, "SELECT id, coalesce(host, '?') FROM main.session ORDER BY id",
                               -1, &st, NULL) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW && len + 40 < sizeof have) {
                int w = snprintf(have + len, sizeof have - len, "%s%lld (%.24s)", len ? ", " : "",
                                 sqlite3_column_int64(st, 0),
                                 (const char *)sqlite3_column_text(st, 1));
                if (w > 0)
                    len += (size_t)w;
            }
            sqlite3_finalize(st);
        }
        snprintf(err, errlen, "no session %s%s in this database (sessions: %s)",
                 by_id ? "" : "of host ", which, have[0] ? have : "none");
        return -1;
    }
    sqlite3_str *s = sqlite3_str_new(db);
    int64_t k = scalar(db, "SELECT min(id) FROM temp.selected_session");
    if (own_keys && n == 1 && k > 1) {
        /* One later session of a fleet: shown as its host recorded it,
         * keys less its offset and session id 1, so every reader's output
         * is the one the host's own recording gives. */
        if (own_keys_view(db, s, "session", NULL, k) != 0) {
            sqlite3_free(sqlite3_str_finish(s));
            snprintf(err, errlen, "selecting the session: %s", sqlite3_errmsg(db));
            return -1;
        }
        for (size_t i = 0; i < sizeof session_tables / sizeof session_tables[0]; i++)
            if (own_keys_view(db, s, session_tables[i].table, session_tables[i].key, k) != 0) {
                sqlite3_free(sqlite3_str_finish(s));
                snprintf(err, errlen, "selecting the session: table %s: %s",
                         session_tables[i].table, sqlite3_errmsg(db));
                return -1;
            }
    } else {
        /* Session k's keys are exactly [FLEET_KEY_OFFSET(k),
         * FLEET_KEY_OFFSET(k + 1)): the selection as a key range (and, for
         * several sessions of a host, which of the sessions in it), so that
         * SQLite seeks to the selected rows: a first or last row (ORDER BY
         * id LIMIT 1, max(id)) or a walk from an id down (id <= X ORDER BY
         * id DESC) is otherwise a walk over every other session's rows
         * (seconds for each key of the viewer on a 10 M-request fleet).
         * likelihood(): a reader's own bound on the key, when it has one,
         * is the one SQLite seeks by (it can use one lower and one upper
         * bound; the range's terms, rated as keeping nearly every row, lose
         * to a plain comparison). */
        int64_t kmax = scalar(db, "SELECT max(id) FROM temp.selected_session");
        if (k < 1 || kmax < k) {   /* session ids are 1 and up; -1: the query failed */
            sqlite3_free(sqlite3_str_finish(s));
            snprintf(err, errlen, "selecting the session: %s", sqlite3_errmsg(db));
            return -1;
        }
        long long lo = (long long)FLEET_KEY_OFFSET(k), hi = (long long)FLEET_KEY_OFFSET(kmax + 1) - 1;
        sqlite3_str_appendall(s, "CREATE TEMP VIEW session AS SELECT * FROM main.session "
                                 "WHERE id IN (SELECT id FROM temp.selected_session);");
        for (size_t i = 0; i < sizeof session_tables / sizeof session_tables[0]; i++) {
            const char *t = session_tables[i].table, *key = session_tables[i].key;
            sqlite3_str_appendf(s, "CREATE TEMP VIEW \"%w\" AS SELECT * FROM main.\"%w\" "
                                "WHERE likelihood(\"%w\" >= %lld, 0.9375) AND likelihood(\"%w\" <= %lld, 0.9375)",
                                t, t, key, lo, key, hi);
            if (n > 1)
                sqlite3_str_appendf(s, " AND (\"%w\" >> %d) + 1 IN (SELECT id FROM temp.selected_session)",
                                    key, FLEET_KEY_BITS);
            sqlite3_str_appendall(s, ";");
        }
    }
    sql = sqlite3_str_finish(s);
    r = exec(db, sql, err, errlen);
    sqlite3_free(sql);
    if (r != 0)
        return -1;
    /* The recording's views again, in temp: SQLite keeps a view's text as
     * "CREATE VIEW name AS ..." (the words it was written with after that). */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 'CREATE TEMP VIEW' || substr(sql, 12) "
                               "FROM main.sqlite_schema WHERE type = 'view' ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "selecting the session: %s", sqlite3_errmsg(db));
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (exec(db, (const char *)sqlite3_column_text(st, 0), err, errlen) != 0)
            break;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? n : -1;
}

int tracedb_open_session(const char *path, const char *which, sqlite3 **db,
                         struct tracedb_info *info, char *err, size_t errlen)
{
    struct tracedb_info local = { 0 };
    struct tracedb_info *in = info ? info : &local;
    if (tracedb_open(path, db, in, err, errlen) != 0)
        return -1;
    if (!which)
        return 0;
    char why[512] = "";
    if (session_select(*db, which, false, why, sizeof why) < 0 || tracedb_reread(*db, in) != 0) {
        snprintf(err, errlen, "%s: %s", path, why[0] ? why : sqlite3_errmsg(*db));
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    return 0;
}
