/* fuzz_tracedb.c — libFuzzer harness for the database reader paths: the
 * fuzz input is written to a temporary file which is then opened the way
 * every reader opens a recording (tracedb_open) and, when that succeeds,
 * read the way `fusetrace stats` and `fusetrace sql` read it (cmd_stats,
 * cmd_sql in table, CSV and JSON formats over the documented views).  The
 * seed corpus holds real recordings re-packed with 512-byte pages
 * (tests/fuzz/mkcorpus.sh) so that mutations hit the schema, the session
 * row and the b-tree pages.  Run with -close_fd_mask=3 (the commands print). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracedb/commands.h"
#include "tracedb/tracedb.h"

static char path[256], wal[300], shm[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/fuzz-tracedb-%ld.db", dir && *dir ? dir : "/tmp", (long)getpid());
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    return 0;
}

static void run(int (*cmd)(int, char **), int argc, const char **argv)
{
    cmd(argc, (char **)argv);
    fflush(stdout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    sqlite3 *db = NULL;
    struct tracedb_info info;
    char err[1024];
    if (tracedb_open(path, &db, &info, err, sizeof err) == 0) {
        if (!db)
            abort();   /* success must hand back a handle */
        sqlite3_close(db);
        const char *stats[] = { "stats", "--top", "3", path, NULL };
        run(cmd_stats, 4, stats);
        const char *sql[] = { "sql", path,
            "SELECT * FROM op LIMIT 50",
            "SELECT * FROM inode_path LIMIT 20",
            "SELECT * FROM errors LIMIT 20", NULL };
        run(cmd_sql, 5, sql);
        const char *csv[] = { "sql", "--csv", path, "SELECT * FROM session", NULL };
        run(cmd_sql, 4, csv);
        const char *json[] = { "sql", "--json", path,
            "SELECT * FROM request LIMIT 20", "SELECT * FROM per_op_latency", NULL };
        run(cmd_sql, 5, json);
    } else if (db || !err[0]) {
        abort();   /* failure must say why and hand back nothing */
    }
    unlink(path);
    unlink(wal);
    unlink(shm);
    return 0;
}
