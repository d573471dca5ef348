/* test_kill.c — a recorder killed with SIGKILL mid-stream leaves a database
 * that opens, passes PRAGMA integrity_check, reads as incomplete, and holds
 * every event up to its last commit: the session row's counters (written in
 * the same transaction as the rows) match the rows exactly. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace/recorder.h"
#include "tracedb/tracedb.h"
#include "tt_util.h"

static void child(const char *db, int ready_fd)
{
    char err[512];
    struct rec_config cfg = { .db_path = db };
    if (recorder_open(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "child: %s\n", err);
        _exit(3);
    }
    uint8_t args[32];
    size_t n = tt_names(args, "victim", NULL);
    bool told = false;
    for (uint64_t u = 2;; u += 2) {
        tt_send_req(FUSE_LOOKUP, u, 1, 0, args, n);
        tt_send_reply(u, -ENOENT, NULL, 0);
        if (!told && u > 200000) {
            /* enough for several commits to have happened */
            if (write(ready_fd, "r", 1) != 1)
                _exit(4);
            told = true;
        }
        if ((u & 0x3ff) == 0)
            usleep(100);       /* keep the stream going without a huge backlog */
    }
}

int main(void)
{
    const char *db = tt_path("killed.db");
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        child(db, p[1]);
    }
    close(p[1]);
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    usleep(300 * 1000);        /* a few more commit periods */
    CHECK(kill(pid, SIGKILL) == 0);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    sqlite3 *d;
    struct tracedb_info info;
    char err[512];
    CHECK_MSG(tracedb_open(db, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        CHECK(info.status == TRACEDB_INCOMPLETE);
        CHECK(!info.live);
        CHECK_MSG(strstr(info.reason, "killed") != NULL, "%s", info.reason);
        CHECK(strcmp(tt_text(d, "PRAGMA integrity_check"), "ok") == 0);
        CHECK(strcmp(tt_text(d, "SELECT status FROM session"), "recording") == 0);
        long long req = tt_int(d, "SELECT count(*) FROM request", -1);
        long long rep = tt_int(d, "SELECT count(*) FROM reply", -1);
        /* at least the commits of the first 100 000 events (a commit is
         * due every 100 ms or 20 000 rows, whichever first) */
        CHECK_MSG(req >= 20000, "only %lld requests committed", req);
        CHECK_EQ(info.events_stored, req + rep);
        /* requests are committed in order: every one before the last few
         * has its reply */
        CHECK(tt_int(d, "SELECT count(*) FROM inflight", -1) <= 1);
        CHECK_EQ(tt_int(d, "SELECT count(*) FROM op WHERE errno_name = 'ENOENT'", -1), rep);
        printf("killed recorder: %lld requests, %lld replies committed\n", req, rep);
        sqlite3_close(d);
    }
    int rc = tcheck_done("recorder-kill");
    tt_cleanup();
    return rc;
}
