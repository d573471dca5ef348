/* fleet_merge.c — add the session of one recording to a fleet database. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import/fleet_merge.h"
#include "schemas/db_format.h"
#include "schemas/schema_sql.h"

/* The tables holding a session's events and objects: every row is
 * copied, its key columns offset. */
static const char *const event_tables[] = {
    "request", "reply", "notify", "forget", "dirent", "manifest", "inode_event",
    "inode", "path", "node_name", "fh_event", "backing_call", "thread", "process",
    "process_event", "loss", "stall", "stall_end", "kernel_send", "kernel_end",
    "counter",
};

/* Tables the schema fills with the same rows in every database
 * (lookup.sql): nothing to copy. */
static const char *const lookup_tables[] = {
    "opcode_name", "notify_name", "inode_kind_name", "io_mode_name", "io_why_name",
    "inode_cause_name", "fh_kind_name", "process_event_kind_name", "bit_name", "bit_field",
};

static const char *const key_columns[] = { FLEET_KEY_COLUMNS };

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

#define IN(s, list) in_list((s), (list), sizeof(list) / sizeof((list)[0]))

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc;
}

/* The single integer a query returns, or dflt (also on error). */
static int64_t scalar(sqlite3 *db, const char *sql, int64_t dflt)
{
    sqlite3_stmt *st;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return dflt;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Every table of src is one the merge knows: a table added to the schema
 * without a rule here would otherwise be left out silently. */
static int check_tables(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "SELECT name FROM src.sqlite_schema WHERE type = 'table' "
                                    "AND name NOT LIKE 'sqlite_%'", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "reading the imported recording: %s", sqlite3_errmsg(db));
        return -1;
    }
    int ret = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!t || IN(t, event_tables) || IN(t, lookup_tables) || !strcmp(t, "session")
            || !strcmp(t, "call_name") || !strcmp(t, "errno_name"))
            continue;
        snprintf(err, errlen, "table %s of the imported recording: the fleet merge has no "
                 "rule for it (a fusetrace bug)", t);
        ret = -1;
        break;
    }
    sqlite3_finalize(st);
    return ret;
}

/* INSERT INTO main.T(cols) SELECT <cols, keys offset> FROM src.T, plus the
 * largest key of src.T (which must stay below the next session's range). */
static int copy_table(sqlite3 *db, const char *t, int64_t off, char *err, size_t errlen)
{
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q, 'src') ORDER BY cid", t);
    sqlite3_stmt *st;
    int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &st, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "table %s: %s", t, sqlite3_errstr(rc));
        return -1;
    }
    sqlite3_str *cols = sqlite3_str_new(db), *vals = sqlite3_str_new(db),
                *maxes = sqlite3_str_new(db);
    int ncols = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        sqlite3_str_appendf(cols, "%s\"%w\"", ncols ? "," : "", c);
        if (IN(c, key_columns)) {
            /* 0 and NULL mean "none" (no node, no path) and stay so */
            sqlite3_str_appendf(vals, "%sCASE WHEN \"%w\" > 0 THEN \"%w\" + %lld ELSE \"%w\" END",
                                ncols ? "," : "", c, c, (long long)off, c);
            sqlite3_str_appendf(maxes, "%smax(\"%w\")", sqlite3_str_length(maxes) ? "," : "", c);
        } else if (strcmp(c, "call_id") == 0) {
            /* call_name is one dictionary per database: by name */
            sqlite3_str_appendf(vals, "%s(SELECT m.id FROM main.call_name m JOIN src.call_name s "
                                "ON s.name = m.name WHERE s.id = t.call_id)", ncols ? "," : "");
        } else {
            sqlite3_str_appendf(vals, "%s\"%w\"", ncols ? "," : "", c);
        }
        ncols++;
    }
    sqlite3_finalize(st);
    char *c = sqlite3_str_finish(cols), *v = sqlite3_str_finish(vals),
         *m = sqlite3_str_finish(maxes);
    int ret = -1;
    if (!c || !v || ncols == 0) {
        snprintf(err, errlen, "table %s: %s", t, ncols ? "out of memory" : "no columns");
        goto out;
    }
    if (m) {
        /* one pass over src.T finds the largest of every key column */
        sql = sqlite3_mprintf("SELECT %s FROM src.\"%w\"", m, t);
        if (!sql || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "table %s: %s", t, sqlite3_errmsg(db));
            sqlite3_free(sql);
            goto out;
        }
        sqlite3_free(sql);
        if (sqlite3_step(st) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                if (sqlite3_column_int64(st, i) >= ((int64_t)1 << FLEET_KEY_BITS)) {
                    snprintf(err, errlen, "table %s: key %s = %lld does not fit a fleet "
                             "session's range (below 2^%d)", t, sqlite3_column_name(st, i),
                             (long long)sqlite3_column_int64(st, i), FLEET_KEY_BITS);
                    sqlite3_finalize(st);
                    goto out;
                }
            }
        }
        sqlite3_finalize(st);
    }
    int64_t n = 0;
    sql = sqlite3_mprintf("SELECT count(*) FROM src.\"%w\"", t);
    n = sql ? scalar(db, sql, -1) : -1;
    sqlite3_free(sql);
    sql = sqlite3_mprintf("INSERT INTO main.\"%w\"(%s) SELECT %s FROM src.\"%w\" t", t, c, v, t);
    if (!sql || exec(db, sql, err, errlen) != SQLITE_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", sql ? err : "out of memory");
        snprintf(err, errlen, "copying table %s: %s", t, why);
        sqlite3_free(sql);
        goto out;
    }
    sqlite3_free(sql);
    if (sqlite3_changes64(db) != n) {
        snprintf(err, errlen, "copying table %s: %lld of %lld rows copied", t,
                 (long long)sqlite3_changes64(db), (long long)n);
        goto out;
    }
    ret = 0;
out:
    sqlite3_free(c);
    sqlite3_free(v);
    sqlite3_free(m);
    return ret;
}

/* The session row: every column of src's, under the new id. */
static int copy_session(sqlite3 *db, int64_t id, const char *session_name,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT group_concat('\"' || name || '\"', ',') "
                               "FROM pragma_table_info('session', 'src') WHERE name <> 'id'",
                           -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "reading the imported session: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    char *sql = sqlite3_mprintf("INSERT INTO main.session(id,%s) SELECT %lld,%s FROM src.session",
                                (const char *)sqlite3_column_text(st, 0), (long long)id,
                                (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (!sql || exec(db, sql, err, errlen) != SQLITE_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", sql ? err : "out of memory");
        snprintf(err, errlen, "adding the session row: %s", why);
        sqlite3_free(sql);
        return -1;
    }
    sqlite3_free(sql);
    if (session_name) {
        if (sqlite3_prepare_v2(db, "UPDATE main.session SET session_name = ?1 WHERE id = ?2",
                               -1, &st, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "naming the session: %s", sqlite3_errmsg(db));
            return -1;
        }
        sqlite3_bind_text(st, 1, session_name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, id);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            snprintf(err, errlen, "naming the session: %s", sqlite3_errmsg(db));
            return -1;
        }
    }
    return 0;
}

/* Refuse a session the fleet already holds; the message names it. */
static int check_duplicate(sqlite3 *db, const char *session_name, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT m.id, m.uuid, coalesce(m.host, '?'), coalesce(m.session_name, '-') "
            "FROM main.session m, src.session s "
            "WHERE m.uuid = s.uuid OR (?1 IS NOT NULL AND m.session_name = ?1 "
            "                          AND m.host IS s.host) LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "checking for the session: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (session_name)
        sqlite3_bind_text(st, 1, session_name, -1, SQLITE_STATIC);
    int ret = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(err, errlen, "session %s (host %s, session %s) is already in the database as "
                 "session %lld: refused", (const char *)sqlite3_column_text(st, 1),
                 (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                 (long long)sqlite3_column_int64(st, 0));
        ret = -1;
    }
    sqlite3_finalize(st);
    return ret;
}

static int open_fleet(const char *path, sqlite3 **db, bool *created, char *err, size_t errlen)
{
    *created = false;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        *created = true;
    } else if (errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, *db ? sqlite3_errmsg(*db) : "out of memory");
        return -1;
    }
    sqlite3_busy_timeout(*db, 10000);
    char why[512];
    if (*created) {
        if (exec(*db, schema_tables_sql, why, sizeof why) != SQLITE_OK
            || exec(*db, schema_lookup_sql, why, sizeof why) != SQLITE_OK
            || exec(*db, schema_views_sql, why, sizeof why) != SQLITE_OK) {
            snprintf(err, errlen, "%s: creating the schema: %s", path, why);
            return -1;
        }
        return 0;
    }
    int64_t version = scalar(*db, "PRAGMA user_version", -1);
    if (scalar(*db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'session'",
               0) != 1 || version < 1) {
        snprintf(err, errlen, "%s: exists and is not a fusetrace recording", path);
        return -1;
    }
    if (version != FUSETRACE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: a recording of schema version %lld; sessions are added "
                 "only to version %d", path, (long long)version, FUSETRACE_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

int64_t fleet_merge(const char *fleet, const char *src, const char *session_name,
                    char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    bool created = false, in_tx = false;
    int64_t id = -1;
    char why[768];
    if (open_fleet(fleet, &db, &created, err, errlen) != 0)
        goto out;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", src, sqlite3_errmsg(db));
        goto out;
    }
    if (scalar(db, "PRAGMA src.user_version", -1) != FUSETRACE_SCHEMA_VERSION
        || scalar(db, "SELECT count(*) FROM src.session", -1) != 1) {
        snprintf(err, errlen, "%s: not a single-session recording of schema version %d", src,
                 FUSETRACE_SCHEMA_VERSION);
        goto out;
    }
    if (scalar(db, "SELECT count(*) FROM src.session WHERE status = 'recording'", 1) != 0) {
        snprintf(err, errlen, "%s: still recording, or left by a killed recorder (its status "
                 "says 'recording'): only finished recordings are added", src);
        goto out;
    }
    if (check_tables(db, err, errlen) != 0)
        goto out;
    if (exec(db, "BEGIN IMMEDIATE", why, sizeof why) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", fleet, why);
        goto out;
    }
    in_tx = true;
    /* A recorder still writing session 1 would race the merge. */
    if (scalar(db, "SELECT count(*) FROM main.session WHERE status = 'recording'", 0) > 0) {
        snprintf(err, errlen, "%s: holds a session still recording (or left by a killed "
                 "recorder): sessions are added to finished recordings only", fleet);
        goto out;
    }
    if (check_duplicate(db, session_name, err, errlen) != 0)
        goto out;
    int64_t k = scalar(db, "SELECT coalesce(max(id), 0) + 1 FROM main.session", -1);
    if (k < 1 || k > ((int64_t)1 << (62 - FLEET_KEY_BITS))) {
        snprintf(err, errlen, "%s: no room for another session", fleet);
        goto out;
    }
    if (copy_session(db, k, session_name, err, errlen) != 0)
        goto out;
    if (exec(db, "INSERT OR IGNORE INTO main.call_name(name) SELECT name FROM src.call_name;"
                 "INSERT OR IGNORE INTO main.errno_name SELECT * FROM src.errno_name",
             why, sizeof why) != SQLITE_OK) {
        snprintf(err, errlen, "copying the name tables: %s", why);
        goto out;
    }
    for (size_t i = 0; i < sizeof event_tables / sizeof event_tables[0]; i++)
        if (copy_table(db, event_tables[i], FLEET_KEY_OFFSET(k), err, errlen) != 0)
            goto out;
    if (exec(db, schema_indexes_sql, why, sizeof why) != SQLITE_OK
        || exec(db, "COMMIT", why, sizeof why) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", fleet, why);
        goto out;
    }
    in_tx = false;
    id = k;
out:
    if (db) {
        if (in_tx)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    if (id < 0 && created)
        unlink(fleet);
    return id;
}
