/* test_tracedb.c — tracedb_open() on every kind of bad input gives one
 * clear line, and on good input reports the right status: complete, live
 * recording (recorder running in another process), and the finished file
 * opened from a read-only copy. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace/recorder.h"
#include "tracedb/tracedb.h"
#include "tt_util.h"

static void expect_error(const char *path, const char *needle)
{
    sqlite3 *d = (sqlite3 *)1;
    char err[1024] = "";
    int rc = tracedb_open(path, &d, NULL, err, sizeof err);
    CHECK_MSG(rc == -1, "%s opened", path);
    CHECK(d == NULL);
    CHECK_MSG(strstr(err, needle) != NULL, "expected '%s' in '%s'", needle, err);
    CHECK_MSG(strchr(err, '\n') == NULL, "multi-line error '%s'", err);
    if (d && d != (sqlite3 *)1)
        sqlite3_close(d);
}

static void write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, p, n) == (ssize_t)n);
        close(fd);
    }
}

static void make_recording(const char *db, int events)
{
    char err[512];
    struct rec_config cfg = { .db_path = db };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);
    uint8_t args[32];
    size_t n = tt_names(args, "name-of-some-length", NULL);
    for (int i = 0; i < events; i++) {
        tt_send_req(FUSE_LOOKUP, 2 + 2 * (uint64_t)i, 1, 0, args, n);
        tt_send_reply(2 + 2 * (uint64_t)i, -ENOENT, NULL, 0);
    }
    struct rec_result res;
    recorder_close(&res);
    CHECK(res.complete);
}

static void copy_file(const char *from, const char *to, off_t limit)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(in >= 0 && out >= 0);
    char buf[65536];
    off_t done = 0;
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0) {
        if (limit >= 0 && done + n > limit)
            n = (ssize_t)(limit - done);
        if (n <= 0)
            break;
        CHECK(write(out, buf, (size_t)n) == n);
        done += n;
    }
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
}

int main(void)
{
    char err[512];

    expect_error(tt_path("missing.db"), "no such file");
    expect_error(tt_tmpdir(), "is a directory");
    write_file(tt_path("empty.db"), "", 0);
    expect_error(tt_path("empty.db"), "empty file");
    uint8_t junk[8192];
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)rand_r(&seed);
    write_file(tt_path("random.db"), junk, sizeof junk);
    expect_error(tt_path("random.db"), "not an SQLite database");
    write_file(tt_path("short.db"), "SQLite format 3\0abc", 19);
    expect_error(tt_path("short.db"), "truncated");

    /* a foreign SQLite database */
    sqlite3 *f;
    CHECK(sqlite3_open(tt_path("foreign.db"), &f) == SQLITE_OK);
    CHECK(sqlite3_exec(f, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(f);
    expect_error(tt_path("foreign.db"), "not a fusetrace recording (no session table)");

    /* a real recording, then damaged copies */
    const char *good = tt_path("good.db");
    make_recording(good, 20000);
    sqlite3 *d;
    struct tracedb_info info;
    CHECK_MSG(tracedb_open(good, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        CHECK(info.status == TRACEDB_COMPLETE && !info.live);
        CHECK_EQ(info.events_stored, 40000);
        sqlite3_close(d);
    }
    struct stat st;
    CHECK(stat(good, &st) == 0);
    copy_file(good, tt_path("trunc.db"), st.st_size / 2);
    expect_error(tt_path("trunc.db"), "truncated");

    copy_file(good, tt_path("future.db"), -1);
    CHECK(sqlite3_open(tt_path("future.db"), &f) == SQLITE_OK);
    CHECK(sqlite3_exec(f, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(f);
    expect_error(tt_path("future.db"), "newer fusetrace (schema version 99");

    /* read-only directory: falls back to an immutable open */
    const char *rodir = tt_path("ro");
    CHECK(mkdir(rodir, 0700) == 0);
    const char *ro = tt_path("ro/copy.db");
    copy_file(good, ro, -1);
    CHECK(chmod(rodir, 0500) == 0);
    if (geteuid() != 0) {      /* root ignores directory permissions */
        CHECK_MSG(tracedb_open(ro, &d, &info, err, sizeof err) == 0, "%s", err);
        if (d)
            sqlite3_close(d);
    }
    chmod(rodir, 0700);

    /* a live recording in another process */
    const char *live = tt_path("live.db");
    int go[2], ready[2];
    CHECK(pipe(go) == 0 && pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(go[1]);
        close(ready[0]);
        struct rec_config cfg = { .db_path = live };
        if (recorder_open(&cfg, err, sizeof err) != 0)
            _exit(3);
        tt_send_req(FUSE_GETATTR, 2, 1, 0, NULL, 0);
        char c = 'r';
        if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(4);
        struct rec_result res;
        recorder_close(&res);
        _exit(res.complete ? 0 : 5);
    }
    close(go[0]);
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    CHECK_MSG(tracedb_open(live, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        CHECK(info.status == TRACEDB_RECORDING && info.live);
        CHECK_EQ(info.recorder_pid, pid);
        sqlite3_close(d);
    }
    CHECK(write(go[1], "g", 1) == 1);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_MSG(tracedb_open(live, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        CHECK(info.status == TRACEDB_COMPLETE && !info.live);
        CHECK_EQ(tt_int(d, "SELECT count(*) FROM inflight", -1), 1);
        sqlite3_close(d);
    }

    int rc = tcheck_done("tracedb-open");
    tt_cleanup();
    return rc;
}
