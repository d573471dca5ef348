/* test_sinkfail.c — the database becomes unwritable mid-recording (a 4 MiB
 * tmpfs fills up).  The recorder must keep accepting events without
 * blocking, print exactly one warning, count every event it could not
 * store, and leave a database that reads as incomplete.  Needs root to
 * mount the tmpfs: exits 77 (skip) otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trace/recorder.h"
#include "tracedb/tracedb.h"
#include "tt_util.h"

#define PAIRS 300000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* In a child so that its stderr can be counted. */
static int record(const char *db)
{
    char err[512];
    struct rec_config cfg = { .db_path = db };
    if (recorder_open(&cfg, err, sizeof err) != 0) {
        printf("open failed: %s\n", err);
        return 3;
    }
    uint8_t args[200];
    memset(args, 'n', sizeof args);
    args[sizeof args - 1] = 0;
    double worst = 0;
    for (int i = 0; i < PAIRS; i++) {
        uint64_t u = 2 + 2 * (uint64_t)i;
        double t0 = now();
        tt_send_req(FUSE_LOOKUP, u, 1, 0, args, sizeof args);
        tt_send_reply(u, -ENOENT, NULL, 0);
        double dt = now() - t0;
        if (dt > worst)
            worst = dt;
    }
    struct rec_result res;
    recorder_close(&res);
    printf("complete=%d events=%llu lost=%llu worst_pair_ms=%.1f reason=%s\n", res.complete,
           (unsigned long long)res.events, (unsigned long long)res.lost, worst * 1e3, res.reason);
    fflush(stdout);
    if (res.complete || res.lost == 0 || res.events == 0 || res.events + res.lost != 2ULL * PAIRS)
        return 4;
    if (!strstr(res.reason, "database write failed"))
        return 5;
    return 0;
}

int main(void)
{
    const char *dir = tt_path("small");
    CHECK(mkdir(dir, 0700) == 0);
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0700") != 0) {
        printf("SKIP: cannot mount a tmpfs (%s)\n", strerror(errno));
        tt_cleanup();
        return 77;
    }
    char db[1100];
    snprintf(db, sizeof db, "%s/full.db", dir);
    const char *errpath = tt_path("stderr.txt"), *outpath = tt_path("stdout.txt");

    pid_t pid = fork();
    if (pid == 0) {
        int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int o = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (e < 0 || o < 0)
            _exit(99);
        dup2(e, 2);
        dup2(o, 1);
        _exit(record(db));
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    char out[2048] = "", errs[8192] = "";
    FILE *f = fopen(outpath, "r");
    if (f) {
        size_t n = fread(out, 1, sizeof out - 1, f);
        out[n] = 0;
        fclose(f);
    }
    f = fopen(errpath, "r");
    if (f) {
        size_t n = fread(errs, 1, sizeof errs - 1, f);
        errs[n] = 0;
        fclose(f);
    }
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, out);
    /* one warning when the failure happens, one summary at close */
    int warnings = 0;
    for (char *p = errs; (p = strstr(p, "fusetrace: warning:")); p++)
        warnings++;
    CHECK_MSG(warnings == 1, "%d warnings:\n%s", warnings, errs);
    CHECK_MSG(strstr(errs, "recording incomplete") != NULL, "%s", errs);
    printf("%s", out);

    sqlite3 *d;
    struct tracedb_info info;
    char err[512];
    CHECK_MSG(tracedb_open(db, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        CHECK(info.status == TRACEDB_INCOMPLETE);
        CHECK(strcmp(tt_text(d, "PRAGMA integrity_check"), "ok") == 0);
        long long stored = tt_int(d, "SELECT (SELECT count(*) FROM request) + "
                                     "(SELECT count(*) FROM reply)", -1);
        CHECK(stored > 0);
        /* the final status update made it: counters match the rows */
        if (strstr(info.reason, "database write failed")) {
            CHECK_EQ(info.events_stored, stored);
            CHECK_EQ(info.events_lost, 2LL * PAIRS - stored);
        }
        printf("database after the failure: %lld requests stored, status incomplete: %s\n",
               tt_int(d, "SELECT count(*) FROM request", -1), info.reason);
        sqlite3_close(d);
    }
    CHECK(umount2(dir, MNT_DETACH) == 0);
    int rc = tcheck_done("recorder-sink-failure");
    tt_cleanup();
    return rc;
}
