/* test_commands.c — `fusetrace sql` and `fusetrace stats` on a recording:
 * aligned/CSV/JSON output, several queries, bad SQL (exit 1), usage errors
 * (exit 2), --help, and escaping of a recorded name that carries a
 * terminal escape sequence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracedb/commands.h"
#include "trace/recorder.h"
#include "tt_util.h"

static char out[65536], errb[8192];

static int run(int (*fn)(int, char **), int argc, char **argv)
{
    return tt_capture(fn, argc, argv, out, sizeof out, errb, sizeof errb);
}

int main(void)
{
    const char *db = tt_path("cmd.db");
    char err[512];
    struct rec_config cfg = { .db_path = db, .source = "/src", .mountpoint = "/mnt/x" };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);
    tt_describe_self();
    uint8_t args[64];
    size_t n = tt_names(args, "evil\x1b[31mred", NULL);
    tt_send_req(FUSE_LOOKUP, 2, 1, (uint32_t)getpid(), args, n);
    tt_send_reply(2, -ENOENT, NULL, 0);
    n = tt_names(args, "a,b \"q\"", NULL);
    tt_send_req(FUSE_LOOKUP, 4, 1, (uint32_t)getpid(), args, n);
    tt_send_reply(4, -ENOENT, NULL, 0);
    struct rec_inode_event ne = { .kind = REC_INODE_NEW, .cause = REC_CAUSE_LOOKUP,
                                  .nodeid = 2, .parent = 1, .name = "ok", .nlookup = 1 };
    n = tt_names(args, "ok", NULL);
    tt_send_req(FUSE_LOOKUP, 6, 1, (uint32_t)getpid(), args, n);
    rec_inode(&ne);
    struct fuse_entry_out e = { .nodeid = 2, .attr = { .ino = 9, .mode = 0100644 } };
    tt_send_reply(6, 0, &e, sizeof e);
    struct rec_result res;
    recorder_close(&res);
    CHECK(res.complete);

    char *q1[] = { "sql", (char *)db, "SELECT unique_id, op, errno_name, name FROM op ORDER BY unique_id", NULL };
    CHECK_EQ(run(cmd_sql, 3, q1), 0);
    CHECK_MSG(strstr(out, "unique_id") && strstr(out, "LOOKUP") && strstr(out, "ENOENT"), "%s", out);
    CHECK_MSG(strchr(out, '\x1b') == NULL, "escape sequence passed through");
    CHECK_MSG(strstr(out, "evil\\x1b[31mred") != NULL, "%s", out);
    CHECK(strstr(out, "(3 rows)") != NULL);

    char *q2[] = { "sql", "--csv", (char *)db, "SELECT name, errno FROM op ORDER BY unique_id", NULL };
    CHECK_EQ(run(cmd_sql, 4, q2), 0);
    /* RFC 4180: raw bytes (the terminal escaping is the table's), quoted
     * where needed, CRLF */
    CHECK_MSG(strcmp(out, "name,errno\r\nevil\x1b[31mred,2\r\n\"a,b \"\"q\"\"\",2\r\nok,0\r\n") == 0, "%s", out);

    char *q3[] = { "sql", "--json", (char *)db, "SELECT unique_id, name FROM op WHERE unique_id = 2",
                   "SELECT count(*) AS n FROM request", NULL };
    CHECK_EQ(run(cmd_sql, 5, q3), 0);
    CHECK_MSG(strstr(out, "[{\"unique_id\":2,\"name\":\"evil\\u001b[31mred\"}]") != NULL, "%s", out);
    CHECK_MSG(strstr(out, "[{\"n\":3}]") != NULL, "%s", out);

    char *bad[] = { "sql", (char *)db, "SELEC nonsense", NULL };
    CHECK_EQ(run(cmd_sql, 3, bad), 1);
    CHECK_MSG(strstr(errb, "syntax error") != NULL, "%s", errb);

    char *ro[] = { "sql", (char *)db, "DELETE FROM request", NULL };
    CHECK_EQ(run(cmd_sql, 3, ro), 1);
    CHECK_MSG(strstr(errb, "readonly") != NULL, "%s", errb);

    char *noq[] = { "sql", (char *)db, NULL };
    CHECK_EQ(run(cmd_sql, 2, noq), 2);
    CHECK(strstr(errb, "missing QUERY") && strstr(errb, "--help"));
    char *badopt[] = { "sql", "--frobnicate", (char *)db, "SELECT 1", NULL };
    CHECK_EQ(run(cmd_sql, 4, badopt), 2);
    CHECK(strstr(errb, "unknown option '--frobnicate'") != NULL);
    char *help[] = { "sql", "--help", NULL };
    CHECK_EQ(run(cmd_sql, 2, help), 0);
    CHECK(strstr(out, "usage: fusetrace sql") != NULL);
    char *missing[] = { "sql", (char *)tt_path("nope.db"), "SELECT 1", NULL };
    CHECK_EQ(run(cmd_sql, 3, missing), 1);
    CHECK(strstr(errb, "no such file") != NULL);

    char *st[] = { "stats", (char *)db, NULL };
    CHECK_EQ(run(cmd_stats, 2, st), 0);
    CHECK_MSG(strstr(out, "Status       complete") != NULL, "%s", out);
    CHECK(strstr(out, "LOOKUP") && strstr(out, "ENOENT"));
    CHECK(strstr(out, "/mnt/x") != NULL);
    CHECK(strstr(out, "Inode table  peak 1 entries") != NULL);
    CHECK(strstr(out, "test-commands") != NULL);
    CHECK_MSG(strchr(out, '\x1b') == NULL, "escape sequence in stats");
    char *sth[] = { "stats", "--help", NULL };
    CHECK_EQ(run(cmd_stats, 2, sth), 0);
    char *stbad[] = { "stats", NULL };
    CHECK_EQ(run(cmd_stats, 1, stbad), 2);
    CHECK(strstr(errb, "missing DB") != NULL);

    if (tcheck_failures)
        fprintf(stderr, "--- last stdout ---\n%s\n--- last stderr ---\n%s\n", out, errb);
    int rc = tcheck_done("sql-stats-commands");
    tt_cleanup();
    return rc;
}
