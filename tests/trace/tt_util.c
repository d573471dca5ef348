/* tt_util.c — see tt_util.h. */
#include "tt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace/recorder.h"

static char tmpdir[512];
static char **paths;           /* every tt_path() result, freed by tt_cleanup */
static size_t npaths;

const char *tt_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/fusetrace-test-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(99);
        }
    }
    return tmpdir;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    remove(p);
    return 0;
}

void tt_cleanup(void)
{
    if (tmpdir[0] && !getenv("TT_KEEP"))
        nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    paths = NULL;
    npaths = 0;
}

const char *tt_path(const char *name)
{
    /* Each path is its own allocation (kept until exit): tests hold many
     * at once. */
    char *b = malloc(1024);
    char **np = realloc(paths, (npaths + 1) * sizeof *np);
    if (!b || !np)
        abort();
    paths = np;
    paths[npaths++] = b;
    snprintf(b, 1024, "%s/%s", tt_tmpdir(), name);
    return b;
}

size_t tt_req(uint8_t *buf, uint32_t opcode, uint64_t unique, uint64_t nodeid,
              uint32_t pid, const void *args, size_t args_len)
{
    struct fuse_in_header h = {
        .len = (uint32_t)(sizeof h + args_len), .opcode = opcode, .unique = unique,
        .nodeid = nodeid, .uid = 1000, .gid = 1001, .pid = pid,
    };
    memcpy(buf, &h, sizeof h);
    if (args_len)
        memcpy(buf + sizeof h, args, args_len);
    return sizeof h + args_len;
}

size_t tt_names(uint8_t *buf, const char *a, const char *b)
{
    size_t n = strlen(a) + 1;
    memcpy(buf, a, n);
    if (b) {
        memcpy(buf + n, b, strlen(b) + 1);
        n += strlen(b) + 1;
    }
    return n;
}

size_t tt_reply(uint8_t *buf, uint64_t unique, int32_t error, const void *body, size_t len)
{
    struct fuse_out_header h = { .len = (uint32_t)(sizeof h + len), .error = error,
                                 .unique = unique };
    memcpy(buf, &h, sizeof h);
    if (len)
        memcpy(buf + sizeof h, body, len);
    return sizeof h + len;
}

void tt_send_reply(uint64_t unique, int32_t error, const void *body, size_t len)
{
    struct fuse_out_header h = { .len = (uint32_t)(sizeof h + len), .error = error,
                                 .unique = unique };
    struct iovec iov[2] = { { &h, sizeof h }, { (void *)body, len } };
    rec_wire_reply(iov, len ? 2 : 1, 0);
}

void tt_describe_self(void)
{
    char comm[64] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        if (!fgets(comm, sizeof comm, f))
            comm[0] = 0;
        fclose(f);
    }
    comm[strcspn(comm, "\n")] = 0;
    struct rec_proc_identity id = { .tid = (uint32_t)getpid(), .tgid = (uint32_t)getpid(),
                                    .ppid = 0, .image_ts = REC_IMAGE_OLDER,
                                    .start_time = -1, .comm = comm, .cmdline = comm };
    rec_proc_identity(&id);
}

void tt_send_req(uint32_t opcode, uint64_t unique, uint64_t nodeid, uint32_t pid,
                 const void *args, size_t args_len)
{
    uint8_t *buf = malloc(sizeof(struct fuse_in_header) + args_len);
    if (!buf)
        abort();
    size_t n = tt_req(buf, opcode, unique, nodeid, pid, args, args_len);
    rec_wire_request(buf, n);
    free(buf);
}

long long tt_int(sqlite3 *db, const char *sql, long long dflt)
{
    sqlite3_stmt *st;
    long long v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "SQL error: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        tcheck_failures++;
        return dflt;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        fprintf(stderr, "SQL error: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        tcheck_failures++;
    }
    sqlite3_finalize(st);
    return v;
}

const char *tt_text(sqlite3 *db, const char *sql)
{
    static char buf[4][1024];
    static int i;
    char *b = buf[i++ % 4];
    sqlite3_stmt *st;
    snprintf(b, 1024, "<ERR>");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "SQL error: %s\n  in: %s\n", sqlite3_errmsg(db), sql);
        tcheck_failures++;
        return b;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(b, 1024, "%s", t ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    return b;
}

static void slurp(const char *path, char *buf, size_t cap)
{
    if (!buf || !cap)
        return;
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

int tt_capture(int (*fn)(int, char **), int argc, char **argv,
               char *out, size_t outcap, char *err, size_t errcap)
{
    /* In a child, so redirecting stdout/stderr cannot disturb the test. */
    const char *op = tt_path("capture.out"), *ep = tt_path("capture.err");
    char opath[1024], epath[1024];
    snprintf(opath, sizeof opath, "%s", op);
    snprintf(epath, sizeof epath, "%s", ep);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0)
            _exit(99);
        dup2(o, 1);
        dup2(e, 2);
        int rc = fn(argc, argv);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    slurp(opath, out, outcap);
    slurp(epath, err, errcap);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
