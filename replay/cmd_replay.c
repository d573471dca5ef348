/* cmd_replay.c — `fusetrace replay [OPTIONS] DB TARGET`: options, the
 * initial tree, timing, ordering and the report (see replay.h). */
#include "replay/commands.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "replay/replay.h"
#include "util/text_escape.h"
#include "util/usage.h"

static const char usage_text[] =
    "usage: fusetrace replay [OPTIONS] DB TARGET\n"
    "\n"
    "Re-execute the recorded session DB against the directory TARGET, request by\n"
    "request, with the syscalls the passthrough made for each one (relative to\n"
    "directory fds; node ids and file handles remapped to what the replay found\n"
    "and opened).  First TARGET, which must be empty, gets the tree the session\n"
    "started from: every object the session found (the recording's manifest:\n"
    "types, modes, sizes, owners when run as root, symlink targets, times, and\n"
    "the first bytes of files recorded with --snapshot-data; the rest of a file\n"
    "is a hole).  WRITE data is the recorded data (--capture-data) or a pattern.\n"
    "\n"
    "Options:\n"
    "  --timing=MODE     asap (default): each request as soon as it may run;\n"
    "                    recorded: at its recorded time from the start;\n"
    "                    scale=K: recorded times divided by K (2 = twice as fast).\n"
    "  --order=MODE      serial (default): one request at a time, in recorded order;\n"
    "                    recorded: requests run concurrently only when their\n"
    "                    recorded intervals overlapped, and requests on the same\n"
    "                    node stay in recorded order.\n"
    "  --threads=N       workers for --order=recorded (default: as many as the\n"
    "                    recording's FUSE worker threads, 2 to 64).\n"
    "  --verify          compare every result with the recorded reply (errno, entry\n"
    "                    types, sizes of files and symlinks, byte counts, symlink\n"
    "                    targets, created or not, directory listings); print each\n"
    "                    mismatch and exit 1 if there is any.\n"
    "  --setup-only      build the initial tree in TARGET and stop.\n"
    "  --no-setup        TARGET already holds the initial tree (from --setup-only,\n"
    "                    perhaps altered on purpose): replay onto it as it is.\n"
    "  -h, --help        this text.\n"
    "\n"
    "Exit status: 0 done (and, with --verify, no mismatch); 1 mismatches or a\n"
    "runtime error; 2 usage error.\n";

enum timing { T_ASAP, T_RECORDED, T_SCALE };

struct opts {
    enum timing timing;
    double scale;
    bool concurrent;
    unsigned threads;
    bool verify, setup_only, no_setup;
    const char *db, *target;
};

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* ---- timing ------------------------------------------------------------------------ */

struct clock_state {
    const struct opts *o;
    int64_t first_ts;
    uint64_t start;
    uint64_t late_max, late_sum, late_n;
};

static void wait_due(struct clock_state *cs, const struct rp_req *q)
{
    if (cs->o->timing == T_ASAP)
        return;
    double k = cs->o->timing == T_SCALE ? cs->o->scale : 1.0;
    uint64_t due = cs->start + (uint64_t)((double)(q->ts - cs->first_ts) / k);
    uint64_t t = now_ns();
    if (t < due) {
        struct timespec ts = { (time_t)(due / 1000000000ULL), (long)(due % 1000000000ULL) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        t = now_ns();
    }
    uint64_t late = t > due ? t - due : 0;
    if (late > cs->late_max)
        cs->late_max = late;
    cs->late_sum += late;
    cs->late_n++;
}

/* ---- recorded-overlap ordering ------------------------------------------------------------ */

#define MAX_WORKERS 64

struct sched {
    struct rp_ctx *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    const struct rp_req *out[MAX_WORKERS];   /* dispatched, not done */
    bool running[MAX_WORKERS];               /* taken by a worker */
    unsigned nslots;
    bool stop;
};

static bool shares_node(const struct rp_req *a, const struct rp_req *b)
{
    uint64_t ka[3] = { a->nodeid, a->has_nodeid2 ? a->nodeid2 : 0, a->r_entry ? a->r_nodeid : 0 };
    uint64_t kb[3] = { b->nodeid, b->has_nodeid2 ? b->nodeid2 : 0, b->r_entry ? b->r_nodeid : 0 };
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (ka[i] && ka[i] == kb[j])
                return true;
    return a->has_fh && b->has_fh && a->fh == b->fh;
}

/* May `q` start while `p` is still running?  Only if they overlapped in
 * the recording (p was not answered before q arrived) and touch different
 * nodes. */
static bool may_overlap(const struct rp_req *p, const struct rp_req *q)
{
    return p->reply_ts > q->ts && !shares_node(p, q);
}

static void *worker(void *arg)
{
    struct sched *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        int slot = -1;
        for (unsigned i = 0; i < s->nslots && slot < 0; i++)
            if (s->out[i] && !s->running[i])
                slot = (int)i;
        if (slot < 0) {
            if (s->stop)
                break;
            pthread_cond_wait(&s->cv_work, &s->mu);
            continue;
        }
        s->running[slot] = true;
        const struct rp_req *q = s->out[slot];
        pthread_mutex_unlock(&s->mu);
        rp_exec(s->ctx, q);
        pthread_mutex_lock(&s->mu);
        s->out[slot] = NULL;
        s->running[slot] = false;
        pthread_cond_broadcast(&s->cv_done);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void run_concurrent(const struct opts *o, const struct rp_recording *rec,
                           struct rp_ctx *ctx, struct clock_state *cs)
{
    unsigned nw = o->threads;
    if (!nw) {
        /* as many workers as the recording's FUSE worker threads */
        struct rmap tids = { 0 };
        for (size_t i = 0; i < rec->nreqs; i++)
            rmap_put(&tids, rec->reqs[i].tid, 1);
        nw = (unsigned)tids.n;
        rmap_free(&tids);
    }
    if (nw < 2)
        nw = 2;
    if (nw > MAX_WORKERS)
        nw = MAX_WORKERS;
    struct sched s = { .ctx = ctx, .nslots = nw };
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv_work, NULL);
    pthread_cond_init(&s.cv_done, NULL);
    pthread_t th[MAX_WORKERS];
    unsigned started = 0;
    for (; started < nw; started++)
        if (pthread_create(&th[started], NULL, worker, &s) != 0)
            break;
    for (size_t i = 0; i < rec->nreqs; i++) {
        const struct rp_req *q = &rec->reqs[i];
        if (!rp_replayable(q)) {
            ctx->skipped++;
            continue;
        }
        wait_due(cs, q);
        bool barrier = q->opcode == FUSE_FORGET || q->opcode == FUSE_BATCH_FORGET || !started;
        pthread_mutex_lock(&s.mu);
        for (;;) {
            int free_slot = -1;
            bool ok = true;
            for (unsigned k = 0; k < nw; k++) {
                if (!s.out[k]) {
                    if (free_slot < 0)
                        free_slot = (int)k;
                } else if (barrier || !may_overlap(s.out[k], q)) {
                    ok = false;
                }
            }
            if (ok && barrier) {
                pthread_mutex_unlock(&s.mu);
                rp_exec(ctx, q);
                pthread_mutex_lock(&s.mu);
                break;
            }
            if (ok && free_slot >= 0) {
                s.out[free_slot] = q;
                pthread_cond_signal(&s.cv_work);
                break;
            }
            pthread_cond_wait(&s.cv_done, &s.mu);
        }
        pthread_mutex_unlock(&s.mu);
    }
    pthread_mutex_lock(&s.mu);
    for (;;) {
        bool busy = false;
        for (unsigned k = 0; k < nw; k++)
            busy |= s.out[k] != NULL;
        if (!busy)
            break;
        pthread_cond_wait(&s.cv_done, &s.mu);
    }
    s.stop = true;
    pthread_cond_broadcast(&s.cv_work);
    pthread_mutex_unlock(&s.mu);
    for (unsigned k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    pthread_cond_destroy(&s.cv_work);
    pthread_cond_destroy(&s.cv_done);
    pthread_mutex_destroy(&s.mu);
}

static void run_serial(const struct rp_recording *rec, struct rp_ctx *ctx, struct clock_state *cs)
{
    for (size_t i = 0; i < rec->nreqs; i++) {
        const struct rp_req *q = &rec->reqs[i];
        if (!rp_replayable(q)) {
            ctx->skipped++;
            continue;
        }
        wait_due(cs, q);
        rp_exec(ctx, q);
    }
}

/* ---- the command ---------------------------------------------------------------------------- */

static int parse(int argc, char **argv, struct opts *o)
{
    enum { O_TIMING = 256, O_ORDER, O_THREADS, O_VERIFY, O_SETUP_ONLY, O_NO_SETUP, O_HELP };
    static const struct option longopts[] = {
        { "timing", required_argument, NULL, O_TIMING },
        { "order", required_argument, NULL, O_ORDER },
        { "threads", required_argument, NULL, O_THREADS },
        { "verify", no_argument, NULL, O_VERIFY },
        { "setup-only", no_argument, NULL, O_SETUP_ONLY },
        { "no-setup", no_argument, NULL, O_NO_SETUP },
        { "help", no_argument, NULL, O_HELP },
        { 0 },
    };
    memset(o, 0, sizeof *o);
    o->scale = 1.0;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_TIMING:
            if (!strcmp(optarg, "asap")) {
                o->timing = T_ASAP;
            } else if (!strcmp(optarg, "recorded")) {
                o->timing = T_RECORDED;
            } else if (!strncmp(optarg, "scale=", 6)) {
                char *end;
                errno = 0;
                o->scale = strtod(optarg + 6, &end);
                if (errno || end == optarg + 6 || *end || !(o->scale > 0) || o->scale > 1e6)
                    return usage_error("replay", "--timing=scale=K needs a positive number K, not '%s'",
                                       optarg + 6);
                o->timing = T_SCALE;
            } else {
                return usage_error("replay", "--timing must be asap, recorded or scale=K, not '%s'", optarg);
            }
            break;
        case O_ORDER:
            if (!strcmp(optarg, "serial"))
                o->concurrent = false;
            else if (!strcmp(optarg, "recorded"))
                o->concurrent = true;
            else
                return usage_error("replay", "--order must be serial or recorded, not '%s'", optarg);
            break;
        case O_THREADS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > MAX_WORKERS)
                return usage_error("replay", "--threads must be a number from 1 to 64, not '%s'", optarg);
            o->threads = (unsigned)v;
            break;
        }
        case O_VERIFY: o->verify = true; break;
        case O_SETUP_ONLY: o->setup_only = true; break;
        case O_NO_SETUP: o->no_setup = true; break;
        case 'h':
        case O_HELP:
            fputs(usage_text, stdout);
            return -1;
        default:
            return usage_error("replay", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (o->setup_only && o->no_setup)
        return usage_error("replay", "--setup-only and --no-setup contradict each other");
    if (o->threads && !o->concurrent)
        return usage_error("replay", "--threads goes with --order=recorded");
    if (argc - optind < 2)
        return usage_error("replay", "missing %s", argc - optind == 0 ? "DB and TARGET" : "TARGET");
    if (argc - optind > 2)
        return usage_error("replay", "unexpected argument '%s'", argv[optind + 2]);
    o->db = argv[optind];
    o->target = argv[optind + 1];
    return 0;
}

static bool dir_empty(int fd)
{
    int d = dup(fd);
    DIR *dp = d >= 0 ? fdopendir(d) : NULL;
    if (!dp) {
        if (d >= 0)
            close(d);
        return false;
    }
    struct dirent *de;
    bool empty = true;
    while (empty && (de = readdir(dp)))
        empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
    closedir(dp);
    return empty;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static double ms(uint64_t ns) { return (double)ns / 1e6; }

int cmd_replay(int argc, char **argv)
{
    /* The recorded requests carry the modes the kernel sent: masked by the
     * kernel, or unmasked with the caller's umask beside them (POSIX ACLs
     * negotiated), which each creating call then takes for its thread
     * (replay_exec.c creds_enter).  The process's own must add nothing. */
    umask(0);
    struct opts o;
    int r = parse(argc, argv, &o);
    if (r)
        return r < 0 ? 0 : r;
    int tfd = open(o.target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0) {
        tx_stderr("replay", "%s: %s", o.target, strerror(errno));
        return 1;
    }
    if (!o.no_setup && !dir_empty(tfd)) {
        tx_stderr("replay", "%s is not empty: the initial tree is built in an "
                 "empty directory (--no-setup replays onto what is there)", o.target);
        close(tfd);
        return 1;
    }
    raise_fd_limit();
    char err[1024];
    struct rp_recording rec;
    if (rp_load(o.db, &rec, err, sizeof err) != 0) {
        tx_stderr("replay", "%s", err);
        close(tfd);
        return 1;
    }
    if (!o.no_setup) {
        struct rp_setup_stats st;
        uint64_t t0 = now_ns();
        if (rp_setup(&rec, tfd, &st, err, sizeof err) != 0) {
            tx_stderr("replay", "%s", err);
            rp_free(&rec);
            close(tfd);
            return 1;
        }
        printf("replay: initial tree: %zu entries (%zu directories, %zu files, %zu symlinks, "
               "%zu hard links, %zu others; %zu with snapshot data, %zu listed only); "
               "%zu manifest rows were the session's own; built in %.1f ms\n",
               st.entries, st.dirs, st.files, st.symlinks, st.links, st.others, st.with_data,
               st.listed_only, st.skipped_session, ms(now_ns() - t0));
    }
    if (o.setup_only) {
        rp_free(&rec);
        close(tfd);
        return 0;
    }
    int root = open(o.target, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct rp_ctx ctx;
    if (root < 0 || rp_ctx_init(&ctx, &rec, root, o.verify, stdout) != 0) {
        tx_stderr("replay", "%s: %s", o.target, strerror(errno));
        if (root >= 0)
            close(root);
        rp_free(&rec);
        close(tfd);
        return 1;
    }
    struct clock_state cs = { .o = &o, .first_ts = rec.first_ts, .start = now_ns() };
    if (o.concurrent)
        run_concurrent(&o, &rec, &ctx, &cs);
    else
        run_serial(&rec, &ctx, &cs);
    uint64_t replayed_ns = now_ns() - cs.start;
    int64_t recorded_ns = rec.nreqs ? rec.last_ts - rec.first_ts : 0;

    const char *tm = o.timing == T_ASAP ? "asap" : o.timing == T_RECORDED ? "recorded" : "scale";
    printf("replay: %zu requests: %" PRIu64 " replayed, %" PRIu64 " not replayable (answered by "
           "libfuse itself, INIT/DESTROY/INTERRUPT, or never answered); order=%s, timing=%s",
           rec.nreqs, ctx.replayed, ctx.skipped, o.concurrent ? "recorded" : "serial", tm);
    if (o.timing == T_SCALE)
        printf(" (x%g)", o.scale);
    printf("\n");
    printf("replay: elapsed: recorded %.1f ms, replayed %.1f ms (%.2fx the recorded time)",
           ms((uint64_t)recorded_ns), ms(replayed_ns),
           recorded_ns > 0 ? (double)replayed_ns / (double)recorded_ns : 0.0);
    if (cs.late_n)
        printf("; lateness: mean %.3f ms, max %.3f ms", ms(cs.late_sum / cs.late_n), ms(cs.late_max));
    printf("\n");
    printf("replay: %" PRIu64 " mismatches (errno %" PRIu64 ", type %" PRIu64 ", size %" PRIu64
           ", bytes %" PRIu64 ", listing %" PRIu64 ", symlink target %" PRIu64 ", created %" PRIu64
           ")%s\n", ctx.mismatches, ctx.by_kind[RPM_ERRNO], ctx.by_kind[RPM_TYPE],
           ctx.by_kind[RPM_SIZE], ctx.by_kind[RPM_BYTES], ctx.by_kind[RPM_LISTING],
           ctx.by_kind[RPM_TARGET], ctx.by_kind[RPM_CREATED],
           o.verify ? "" : " (not itemised without --verify)");
    bool bad = o.verify && ctx.mismatches;
    rp_ctx_free(&ctx);
    close(root);
    rp_free(&rec);
    close(tfd);
    return bad ? 1 : 0;
}
