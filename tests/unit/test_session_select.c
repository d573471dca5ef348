/* test_session_select.c — one session of a fleet database selected as the
 * viewer selects it (session_select() without own_keys: the rows keep
 * their stored keys, id ranges stay rowid ranges).
 *
 * A fleet of three sessions: 20000 requests in session 1, 300 in session
 * 2, 20000 in session 3, each at its key offset.  With session 2 selected:
 *  - request holds exactly session 2's rows;
 *  - every query shape the viewer uses (a table's first or last row, a
 *    walk down from an id, a page up from an id, an id range) returns the
 *    session's answer with work bounded by session 2's rows: the virtual
 *    machine steps SQLite reports (SQLITE_STMTSTATUS_VM_STEP) stay far
 *    below what reading the other sessions' 20000 rows costs.  Before the
 *    views held the session's key range, the first four each walked
 *    session 1's or session 3's rows;
 *  - a reader's own bound on the key is the one SQLite seeks by: a page
 *    from an id late in the session reads that page, not the session from
 *    its start.  (So a bound below the session, `id > 0`, is the one used
 *    too: such a scan reads the sessions before the selected one.)
 * And with sessions 1 and 3 selected (as a host's sessions are), request
 * holds both and nothing of session 2. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "schema_sql.h"
#include "schemas/db_format.h"
#include "tests/lib/tcheck.h"
#include "tracedb/session_select.h"

#define N1 20000
#define N2 300
#define N3 20000

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        tcheck_fail(__FILE__, __LINE__, sql, "%s", msg ? msg : "?");
    sqlite3_free(msg);
}

static void add_session(sqlite3 *db, int k, int n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO session(id, uuid, schema_version, status, start_realtime_ns, start_monotonic_ns, "
             "recorder_pid, fusetrace_version, capture_data, drop_mode, lttng, ring_bytes, "
             "host) VALUES (%d, 'u%d', %d, 'complete', 0, 0, 1, 'test', 0, 0, 0, 0, 'h%d')",
             k, k, FUSETRACE_SCHEMA_VERSION, k == 2 ? 2 : 1);
    exec(db, sql);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, "INSERT INTO request(id, ts, unique_id, opcode, nodeid, uid, gid, pid, "
                                 "thread, len) VALUES (?1, ?2, ?1, 3, 1, 0, 0, 1, 0, 40)",
                             -1, &st, NULL) == SQLITE_OK);
    for (int i = 1; i <= n; i++) {
        sqlite3_bind_int64(st, 1, FLEET_KEY_OFFSET(k) + i);
        sqlite3_bind_int64(st, 2, (int64_t)i * 1000);
        CHECK(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

/* The first column of sql's first row, and the VM steps it took. */
static int64_t one(sqlite3 *db, const char *sql, int *steps)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        tcheck_fail(__FILE__, __LINE__, sql, "%s", sqlite3_errmsg(db));
        return v;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    *steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
    sqlite3_finalize(st);
    return v;
}

int main(void)
{
    sqlite3 *db;
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    exec(db, schema_tables_sql);
    exec(db, schema_lookup_sql);
    exec(db, schema_views_sql);
    exec(db, "BEGIN");
    add_session(db, 1, N1);
    add_session(db, 2, N2);
    add_session(db, 3, N3);
    exec(db, "COMMIT");

    /* The cost of reading one session's rows, to compare with. */
    int whole;
    CHECK_EQ(one(db, "SELECT count(*) FROM main.request WHERE id < 1099511627776", &whole), N1);
    CHECK_MSG(whole > 10 * N2, "reading session 1 took only %d steps", whole);

    char err[512] = "";
    CHECK_MSG(session_select(db, "2", false, err, sizeof err) == 1, "%s", err);
    const int64_t off = FLEET_KEY_OFFSET(2), mid = off + N2 / 2;
    int steps;
    CHECK_EQ(one(db, "SELECT count(*) FROM request", &steps), N2);
    CHECK_EQ(one(db, "SELECT count(*) FROM request WHERE (id >> 40) + 1 <> 2", &steps), 0);

    /* each viewer query shape: the session's answer, bounded work */
    char sql[512];
    struct {
        const char *what, *fmt;
        int64_t want;
    } shapes[] = {
        { "first row", "SELECT id FROM request ORDER BY id LIMIT 1", off + 1 },
        { "last row", "SELECT id FROM request ORDER BY id DESC LIMIT 1", off + N2 },
        { "max()", "SELECT max(id) FROM request", off + N2 },
        { "first ts", "SELECT ts FROM request ORDER BY id LIMIT 1", 1000 },
        { "walk down from an id",
          "SELECT min(id) FROM (SELECT id FROM request WHERE id <= %lld ORDER BY id DESC LIMIT 20)", mid - 19 },
        { "walk down from the session's first id",
          "SELECT count(*) FROM (SELECT id FROM request WHERE id <= %lld ORDER BY id DESC LIMIT 256)", 1 },
        { "page from an id",
          "SELECT max(id) FROM (SELECT id FROM request WHERE id > %lld ORDER BY id LIMIT 20)", mid + 20 },
    };
    int64_t arg[] = { 0, 0, 0, 0, mid, off + 1, mid };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        snprintf(sql, sizeof sql, shapes[i].fmt, (long long)arg[i]);
        int64_t got = one(db, sql, &steps);
        CHECK_MSG(got == shapes[i].want, "%s: %lld, want %lld", shapes[i].what, (long long)got,
                  (long long)shapes[i].want);
        /* the session itself is N2 rows: a walk through session 1 or 3
         * costs whole (session 1's 20000 rows) and more */
        CHECK_MSG(steps < whole / 10, "%s: %d VM steps (reading one other session: %d)", shapes[i].what,
                  steps, whole);
    }
    /* a reader's own bound wins: a page of 20 from late in the session
     * reads about 20 rows, not the session from its start */
    int64_t late = off + N2 - 30;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT id FROM request WHERE id > %lld ORDER BY id LIMIT 20)",
             (long long)late);
    int page_late;
    CHECK_EQ(one(db, sql, &page_late), 20);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT id FROM request WHERE id > %lld ORDER BY id LIMIT 20)",
             (long long)off);
    int page_first;
    CHECK_EQ(one(db, sql, &page_first), 20);
    CHECK_MSG(page_late < page_first + 20, "a page late in the session took %d steps, the first page %d",
              page_late, page_first);
    sqlite3_close(db);

    /* several sessions (a host's): both, nothing of the one between */
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    exec(db, schema_tables_sql);
    exec(db, schema_lookup_sql);
    exec(db, schema_views_sql);
    exec(db, "BEGIN");
    add_session(db, 1, 50);
    add_session(db, 2, 40);
    add_session(db, 3, 30);
    exec(db, "COMMIT");
    CHECK_MSG(session_select(db, "h1", false, err, sizeof err) == 2, "%s", err);
    CHECK_EQ(one(db, "SELECT count(*) FROM request", &steps), 80);
    CHECK_EQ(one(db, "SELECT count(*) FROM request WHERE (id >> 40) + 1 = 2", &steps), 0);
    CHECK_EQ(one(db, "SELECT max(id) FROM request", &steps), FLEET_KEY_OFFSET(3) + 30);
    CHECK_EQ(one(db, "SELECT id FROM request ORDER BY id LIMIT 1", &steps), 1);
    sqlite3_close(db);
    return tcheck_done("session_select");
}
