/* trace_bench.c — micro-benchmark of the recorder (not a test).
 *
 *   trace-bench [N]
 *
 * 1. hot path: ns per event for one producer thread pushing LOOKUP
 *    request/reply pairs into a ring large enough that it never waits;
 * 2. writer: events per second sustained into SQLite end to end (two
 *    producers, lossless, default ring), i.e. until recorder_close returns;
 * 3. the same hot path with the LTTng tracepoints enabled in the recorder
 *    but no session listening, and (when a session daemon runs) with a live
 *    session: LTTng only, and LTTng + SQLite;
 * 4. bytes per request in the database for a metadata-like mix;
 * 5. what BACKING adds to a cheap syscall (getppid) with the recorder off:
 *    nothing else on, and with the stall watchdog's per-thread slot.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sys/syscall.h>

#include "shim/backing.h"
#include "trace/lttng_control.h"
#include "trace/recorder.h"
#include "trace/worker_state.h"
#include "tt_util.h"

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

struct prod {
    uint64_t first;            /* this thread's first unique */
    uint64_t step;             /* uniques interleave across threads, like the kernel's */
    long pairs;
    double secs;               /* wall */
    double cpu;                /* this thread's CPU time */
};

/* A metadata-heavy mix: LOOKUP + entry, GETATTR + attr, and every fourth
 * pair a NEW inode event and a backing call, like the shim emits. */
static void *produce(void *arg)
{
    struct prod *p = arg;
    uint8_t args[64];
    size_t n = tt_names(args, "some-file-name.c", NULL);
    struct fuse_entry_out e = { .nodeid = 5, .attr = { .ino = 77, .mode = 0100644, .size = 4096 } };
    struct fuse_attr_out a = { .attr = { .ino = 77, .mode = 0100644, .size = 4096 } };
    struct fuse_getattr_in gi = { 0 };
    double t0 = now(), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < p->pairs; i++) {
        uint64_t u = p->first + p->step * (uint64_t)i;
        if (i & 1) {
            tt_send_req(FUSE_GETATTR, u, 5, 4242, &gi, sizeof gi);
            tt_send_reply(u, 0, &a, sizeof a);
        } else {
            tt_send_req(FUSE_LOOKUP, u, 1, 4242, args, n);
            if ((i & 3) == 0) {
                struct rec_inode_event ie = { .kind = REC_INODE_NEW, .cause = REC_CAUSE_LOOKUP,
                                              .nodeid = 1000 + u, .parent = 1,
                                              .dev = 2049, .ino = 500000 + u, .mnt_id = 29,
                                              .name = "some-file-name.c", .nlookup = 1 };
                rec_inode(&ie);
                struct rec_backing_event b = { .call = "fstatat", .fd = 3,
                                               .name = "some-file-name.c" };
                rec_backing(&b);
            }
            tt_send_reply(u, 0, &e, sizeof e);
        }
    }
    p->secs = now() - t0;
    p->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    return NULL;
}

static long events_of(long pairs)
{
    /* 2 per pair + 2 more for every fourth pair */
    return pairs * 2 + ((pairs + 3) / 4) * 2;
}

struct result {
    double hot_ns;             /* producer CPU ns per event */
    double hot_wall_ns;        /* producer wall ns per event */
    double total_s;            /* until recorder_close returned */
    double writer_cpu_s;       /* process CPU minus producers: the writer */
    long events;
    long long db_bytes;
    long requests;
};

static struct result run(const char *db, bool lttng, size_t ring, long pairs, int threads)
{
    struct result r = { 0 };
    char err[512];
    struct rec_config cfg = { .db_path = db, .lttng = lttng, .ring_bytes = ring };
    if (recorder_open(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "trace-bench: %s\n", err);
        exit(1);
    }
    pthread_t t[8];
    struct prod p[8];
    double t0 = now(), pc0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int k = 0; k < threads; k++) {
        p[k] = (struct prod){ .first = 2 + 2 * (uint64_t)k, .step = 2 * (uint64_t)threads,
                              .pairs = pairs / threads };
        if (pthread_create(&t[k], NULL, produce, &p[k]) != 0)
            exit(1);
    }
    double busy = 0, cpu = 0;
    for (int k = 0; k < threads; k++) {
        pthread_join(t[k], NULL);
        busy += p[k].secs;
        cpu += p[k].cpu;
    }
    struct rec_result res;
    recorder_close(&res);
    r.total_s = now() - t0;
    r.writer_cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - pc0 - cpu;
    r.events = events_of(pairs / threads) * threads;
    r.hot_ns = cpu * 1e9 / (double)r.events;
    r.hot_wall_ns = busy * 1e9 / (double)r.events;
    r.requests = (pairs / threads) * threads;
    if (db) {
        struct stat st;
        if (stat(db, &st) == 0)
            r.db_bytes = st.st_size;
        if (res.events != (uint64_t)r.events || res.lost)
            fprintf(stderr, "trace-bench: stored %llu of %ld (lost %llu)\n",
                    (unsigned long long)res.events, r.events, (unsigned long long)res.lost);
    }
    return r;
}

/* CPU ns per call of `calls` getppid calls: bare (mode 0), through BACKING
 * (1), through BACKING with this thread's stall-watchdog slot (2). */
static double backing_ns(int mode, long calls, struct worker_slot *slot)
{
    worker_self = mode == 2 ? slot : NULL;
    double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    long sum = 0;
    for (long i = 0; i < calls; i++)
        sum += mode == 0 ? syscall(SYS_getppid)
                         : BACKING("getppid", -1, i, NULL, syscall(SYS_getppid));
    double ns = (clock_s(CLOCK_THREAD_CPUTIME_ID) - t0) * 1e9 / (double)calls;
    worker_self = slot;
    return sum ? ns : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void backing_cost(long calls)
{
    /* A request read on this thread gives it a slot, as on a worker. */
    worker_watch();
    uint8_t req[64];
    worker_take(req, tt_req(req, 3, 2, 1, 1, NULL, 0));
    struct worker_slot *slot = worker_self;
    if (!slot) {
        printf("BACKING cost: not measured (no worker slot)\n");
        return;
    }
    enum { ROUNDS = 7 };
    double r[3][ROUNDS];
    for (int k = 0; k < ROUNDS; k++)          /* interleaved */
        for (int m = 0; m < 3; m++)
            r[m][k] = backing_ns(m, calls, slot);
    const char *what[3] = { "getppid, bare", "through BACKING, recorder off",
                            "... with the stall watchdog's slot" };
    for (int m = 0; m < 3; m++) {
        qsort(r[m], ROUNDS, sizeof(double), cmp_double);
        printf("%-38s : %7.1f ns/call CPU (median of %d, min %.1f, max %.1f)\n",
               what[m], r[m][ROUNDS / 2], ROUNDS, r[m][0], r[m][ROUNDS - 1]);
    }
    worker_idle();
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (n < 1000)
        n = 1000;
    printf("trace-bench: %ld request/reply pairs per run (%ld events), metadata mix\n",
           n, events_of(n));

    printf("(CPU figures are per-thread CPU time, robust against other load;\n"
           " wall figures include time the thread was not running)\n");
    struct result hot = run(tt_path("hot.db"), false, (size_t)1 << 30, n / 4, 1);
    printf("hot path, SQLite sink, ring never full : %7.1f ns/event CPU, %.1f wall (1 thread)\n",
           hot.hot_ns, hot.hot_wall_ns);

    struct result w = run(tt_path("writer.db"), false, 0, n, 2);
    printf("writer sustained into SQLite           : %7.0f events/s end to end "
           "(%ld events, 2 producers, lossless, %.2f s)\n",
           (double)w.events / w.total_s, w.events, w.total_s);
    printf("writer CPU per event                    : %7.0f ns -> %.0f events/s per writer "
           "CPU second (incl. index build)\n",
           w.writer_cpu_s * 1e9 / (double)w.events, (double)w.events / w.writer_cpu_s);
    printf("database size                           : %7.1f bytes/event, %.1f bytes/request "
           "(request+reply+events, indexes included)\n",
           (double)w.db_bytes / (double)w.events, (double)w.db_bytes / (double)w.requests);

    struct result lh = run(tt_path("hot-lttng-off.db"), true, (size_t)1 << 30, n / 4, 1);
    printf("hot path, SQLite + LTTng (no session)   : %7.1f ns/event CPU\n", lh.hot_ns);
    struct result lo = run(NULL, true, 0, n / 4, 1);
    printf("hot path, LTTng only (no session)       : %7.1f ns/event CPU\n", lo.hot_ns);

    if (lttng_ctl_sessiond_running()) {
        char err[512];
        struct lttng_ctl c;
        char name[64];
        snprintf(name, sizeof name, "fusetrace-bench-%d", (int)getpid());
        if (lttng_ctl_start(&c, name, tt_path("trace"), err, sizeof err) == 0) {
            /* this process registered at startup; give the session's
             * enablers a moment to reach it */
            usleep(200 * 1000);
            struct result ls = run(NULL, true, 0, n / 4, 1);
            struct result lb = run(tt_path("both.db"), true, (size_t)1 << 30, n / 4, 1);
            uint64_t disc = 0;
            lttng_ctl_stop(&c, &disc, err, sizeof err);
            printf("hot path, LTTng only (live session)     : %7.1f ns/event CPU\n", ls.hot_ns);
            printf("hot path, SQLite + LTTng (live session) : %7.1f ns/event CPU "
                   "(LTTng discarded %llu)\n", lb.hot_ns, (unsigned long long)disc);
        } else {
            printf("LTTng live session: not measured (%s)\n", err);
        }
    } else {
        printf("LTTng live session: not measured (no session daemon running)\n");
    }
    backing_cost(n);
    tt_cleanup();
    return 0;
}
