/* test_lttng.c — the fusetrace LTTng-UST provider end to end: make sure a
 * session daemon runs (start one if needed, exit 77 only when lttng-tools
 * or babeltrace2 is not installed), create a session with lttng_control,
 * record events through the real recorder (LTTng and SQLite at once) in a
 * fresh process, read the trace back with babeltrace2 and check that it
 * holds exactly as many request/reply/inode/fh/backing/manifest/session events as
 * the database, with nothing discarded and private file modes. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trace/lttng_control.h"
#include "trace/recorder.h"
#include "tracedb/tracedb.h"
#include "tt_util.h"

#define NLOOKUP 1000

static int emit(const char *db)
{
    char err[512];
    struct rec_config cfg = { .db_path = db, .lttng = true, .source = "/src",
                              .mountpoint = "/mnt" };
    if (recorder_open(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "emit: %s\n", err);
        return 3;
    }
    struct fuse_init_in ii = { .major = 7, .minor = 41 };
    tt_describe_self();
    tt_send_req(FUSE_INIT, 2, 0, 0, &ii, sizeof ii);
    struct fuse_init_out io = { .major = 7, .minor = 38, .max_write = 131072 };
    tt_send_reply(2, 0, &io, sizeof io);
    uint8_t args[64];
    size_t n = tt_names(args, "lttng-name", NULL);
    for (int i = 0; i < NLOOKUP; i++) {
        uint64_t u = 4 + 2 * (uint64_t)i;
        tt_send_req(FUSE_LOOKUP, u, 1, (uint32_t)getpid(), args, n);
        if (i % 10 == 0) {
            struct rec_inode_event e = { .kind = REC_INODE_NEW, .cause = REC_CAUSE_LOOKUP,
                                         .nodeid = 2 + (uint64_t)i, .parent = 1,
                                         .name = "lttng-name", .nlookup = 1 };
            rec_inode(&e);
            if (i % 50 == 0) {
                struct stat ms = { .st_mode = 0100644, .st_size = 3, .st_ino = 77 };
                struct rec_manifest_event m = { .nodeid = 2 + (uint64_t)i, .parent = 1,
                                                .name = "lttng-name", .st = &ms,
                                                .data = "abc", .data_len = 3 };
                rec_manifest(&m);
            }
            struct rec_backing_event b = { .call = "openat", .fd = 3, .name = "lttng-name",
                                           .start_ns = rec_now_ns(), .end_ns = rec_now_ns() };
            rec_backing(&b);
            struct fuse_entry_out eo = { .nodeid = 2 + (uint64_t)i };
            tt_send_reply(u, 0, &eo, sizeof eo);
        } else {
            tt_send_reply(u, -ENOENT, NULL, 0);
        }
        if (i % 100 == 0) {
            struct rec_fh_event f = { .kind = REC_FH_OPEN, .fh = (uint64_t)i, .nodeid = 2 };
            rec_fh(&f);
        }
    }
    struct { struct fuse_notify_inval_inode_out o; } inv = { { .ino = 2 } };
    tt_send_reply(0, FUSE_NOTIFY_INVAL_INODE, &inv, sizeof inv);
    struct rec_result res;
    recorder_close(&res);
    return res.complete ? 0 : 5;
}

static bool have(const char *prog)
{
    char *argv[] = { (char *)"sh", (char *)"-c", NULL, NULL };
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null", prog);
    argv[2] = cmd;
    char o[64], e[64];
    return lttng_ctl_run(argv, o, sizeof o, e, sizeof e) == 0;
}

static int run_to_file(char *const argv[], const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool modes_ok = true;
static int check_mode(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)f;
    if (flag == FTW_SL)
        return 0;
    mode_t want = S_ISDIR(st->st_mode) ? 0700 : 0600;
    if ((st->st_mode & 0777) != want) {
        fprintf(stderr, "mode %o on %s\n", st->st_mode & 0777, p);
        modes_ok = false;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--emit") == 0)
        return emit(argv[2]);
    if (!have("lttng") || !have("lttng-sessiond") || !have("babeltrace2")) {
        printf("SKIP: lttng-tools or babeltrace2 not installed\n");
        return 77;
    }
    char err[1024];
    bool started;
    pid_t spid;
    if (lttng_ctl_ensure_sessiond(&started, &spid, err, sizeof err) != 0) {
        if (strstr(err, "not found")) {
            printf("SKIP: %s\n", err);
            return 77;
        }
        fprintf(stderr, "FAIL: %s\n", err);
        return 1;
    }
    const char *outdir = tt_path("trace");
    const char *db = tt_path("lttng.db");
    char name[64];
    snprintf(name, sizeof name, "fusetrace-test-%d", (int)getpid());
    /* exec the real path, so the emitter's comm is "test-lttng" */
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(sl > 0);
    self[sl > 0 ? sl : 0] = 0;
    /* The emitter waits until the session tracks exactly its pid: other
     * fusetrace processes of this uid may be tracing at the same time. */
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char ch;
        close(go[1]);
        if (read(go[0], &ch, 1) != 1)
            _exit(126);
        char *cargv[] = { self, (char *)"--emit", (char *)db, NULL };
        execv(self, cargv);
        _exit(127);
    }
    close(go[0]);
    struct lttng_ctl c;
    CHECK_MSG(lttng_ctl_start_pid(&c, name, outdir, pid, err, sizeof err) == 0, "%s", err);
    struct stat st;
    CHECK(stat(outdir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(write(go[1], "g", 1) == 1);
    close(go[1]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "emitter status %d", status);

    uint64_t discarded = 99;
    CHECK_MSG(lttng_ctl_stop(&c, &discarded, err, sizeof err) == 0, "%s", err);
    CHECK_EQ(discarded, 0);
    modes_ok = true;
    nftw(outdir, check_mode, 16, FTW_PHYS);
    CHECK(modes_ok);

    const char *txt = tt_path("trace.txt");
    char *bargv[] = { (char *)"babeltrace2", (char *)outdir, NULL };
    CHECK_EQ(run_to_file(bargv, txt), 0);
    long long nreq = 0, nrep = 0, nino = 0, nfh = 0, nback = 0, nsess = 0, nproc = 0, nman = 0;
    bool lookup_seen = false;
    FILE *f = fopen(txt, "r");
    CHECK(f != NULL);
    char *line = NULL;
    size_t cap = 0;
    while (f && getline(&line, &cap, f) > 0) {
        if (strstr(line, "fusetrace:request:")) {
            nreq++;
            if (strstr(line, "unique = 4,") && strstr(line, "opcode = 1,")
                && strstr(line, "_raw_length = 51"))
                lookup_seen = true;
        } else if (strstr(line, "fusetrace:reply:")) {
            nrep++;
        } else if (strstr(line, "fusetrace:inode:")) {
            nino++;
        } else if (strstr(line, "fusetrace:fh:")) {
            nfh++;
        } else if (strstr(line, "fusetrace:backing:")) {
            nback++;
        } else if (strstr(line, "fusetrace:manifest:")) {
            nman++;
            CHECK_MSG(strstr(line, "link_target = \"\"") != NULL, "%s", line);
        } else if (strstr(line, "fusetrace:session:")) {
            nsess++;
        } else if (strstr(line, "fusetrace:process:")) {
            nproc++;
            CHECK_MSG(strstr(line, "comm = \"test-lttng\"") != NULL, "%s", line);
        }
    }
    free(line);
    if (f)
        fclose(f);

    sqlite3 *d;
    struct tracedb_info info;
    CHECK_MSG(tracedb_open(db, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        CHECK_EQ(nreq, tt_int(d, "SELECT count(*) FROM request", -1));
        CHECK_EQ(nrep, tt_int(d, "SELECT count(*) FROM reply", -1)
                       + tt_int(d, "SELECT count(*) FROM notify", -1));
        CHECK_EQ(nino, tt_int(d, "SELECT count(*) FROM inode_event", -1));
        CHECK_EQ(nfh, tt_int(d, "SELECT count(*) FROM fh_event", -1));
        CHECK_EQ(nback, tt_int(d, "SELECT count(*) FROM backing_call", -1));
        CHECK_EQ(nman, tt_int(d, "SELECT count(*) FROM manifest", -1));
        CHECK_EQ(nman, NLOOKUP / 50);
        CHECK(strcmp(tt_text(d, "SELECT hex(data) FROM manifest LIMIT 1"), "616263") == 0);
        /* one process, described once */
        CHECK_EQ(nproc, 1);
        CHECK_EQ(tt_int(d, "SELECT count(*) FROM process WHERE pid = (SELECT recorder_pid "
                           "FROM session)", -1), 1);
        CHECK(strcmp(tt_text(d, "SELECT comm FROM process"), "test-lttng") == 0);
        sqlite3_close(d);
    }
    CHECK_EQ(nreq, NLOOKUP + 1);
    CHECK_EQ(nrep, NLOOKUP + 2);
    CHECK_EQ(nino, NLOOKUP / 10);
    CHECK_EQ(nfh, NLOOKUP / 100);
    CHECK_EQ(nsess, 2);
    CHECK(lookup_seen);
    printf("babeltrace2: %lld requests, %lld replies, %lld inode, %lld fh, %lld backing, "
           "%lld session events\n", nreq, nrep, nino, nfh, nback, nsess);

    if (started && spid > 0) {
        /* Only the daemon this test started. */
        kill(spid, SIGTERM);
        for (int i = 0; i < 100 && kill(spid, 0) == 0; i++) {
            struct timespec ts = { 0, 50 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    int rc = tcheck_done("lttng-roundtrip");
    tt_cleanup();
    return rc;
}
