/* recorder.c — recorder_open() / recorder_close(): gathering the session
 * facts, creating the sinks, and the orderly shutdown that guarantees every
 * event a producer managed to publish is stored or counted. */
#include "trace/recorder.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "trace/fusetrace_tp.h"
#include "trace/rec_ring.h"
#include "trace/rec_sqlite.h"
#include "trace/rec_state.h"
#include "trace/rec_writer.h"

#ifndef FUSETRACE_VERSION
#define FUSETRACE_VERSION "unknown"
#endif

#define DEFAULT_RING_BYTES ((size_t)4 << 20)

bool rec_on;

/* recorder_note_end_cause(); read by recorder_close() */
static _Atomic(const char *) end_cause;

static struct {
    bool open;
    struct sink sink;
    struct writer *writer;
    char uuid[40];
    uint64_t start_realtime;
    const char *source, *mountpoint, *command, *options;
    size_t snapshot;
} st;

static void make_uuid(char *out, size_t cap)
{
    uint8_t b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* No entropy source: time and pid still make it unique here. */
            uint64_t t = rec_now_ns() ^ ((uint64_t)getpid() << 32);
            for (; got < sizeof b; got++)
                b[got] = (uint8_t)(t >> (8 * (got % 8)));
            break;
        }
        got += (size_t)n;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    snprintf(out, cap,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
}

/* Recording into the mount would make the shim serve its own writes (and
 * can deadlock): refuse any database whose directory is at or below the
 * mountpoint.  Must run before the mount exists, so that resolving the
 * mountpoint does not go through FUSE. */
static int check_not_under(const char *db, const char *mnt, char *err, size_t errlen)
{
    char dir[PATH_MAX], rdir[PATH_MAX], rmnt[PATH_MAX];
    if (!mnt || !*mnt)
        return 0;
    if (snprintf(dir, sizeof dir, "%s", db) >= (int)sizeof dir) {
        snprintf(err, errlen, "database path too long");
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    if (!realpath(dir, rdir)) {
        snprintf(err, errlen, "cannot record to %s: directory %s: %s", db, dir, strerror(errno));
        return -1;
    }
    if (!realpath(mnt, rmnt))
        return 0;      /* no such mountpoint: mounting will fail and say so */
    size_t n = strlen(rmnt);
    if (strcmp(rmnt, "/") == 0 || (strncmp(rdir, rmnt, n) == 0 && (rdir[n] == 0 || rdir[n] == '/'))) {
        snprintf(err, errlen, "refusing to record to %s: it is inside the mountpoint %s "
                 "(the filesystem would trace its own writes)", db, mnt);
        return -1;
    }
    return 0;
}

static void tp_session(int phase, const char *status, const char *cause,
                       uint64_t events, uint64_t lost)
{
    if (!rec_g.lttng || !lttng_ust_tracepoint_enabled(fusetrace, session))
        return;
    struct tp_session s = {
        .phase = phase, .start_realtime_ns = st.start_realtime,
        .start_monotonic_ns = rec_g.start_mono, .events = events, .lost = lost,
        .pid = (uint32_t)getpid(), .capture_data = (uint32_t)rec_g.capture,
        .snapshot_data = (uint32_t)st.snapshot,
        .drop = rec_g.drop, .uuid = st.uuid, .status = status,
        .end_cause = cause ? cause : "",
        .source = st.source ? st.source : "",
        .mountpoint = st.mountpoint ? st.mountpoint : "",
        .command = st.command ? st.command : "",
        .options = st.options ? st.options : "",
    };
    lttng_ust_do_tracepoint(fusetrace, session, &s);
}

int recorder_open(const struct rec_config *cfg, char *err, size_t errlen)
{
    if (st.open) {
        snprintf(err, errlen, "a recording is already open");
        return -1;
    }
    if (!cfg) {
        snprintf(err, errlen, "no configuration");
        return -1;
    }
    if (cfg->db_path && check_not_under(cfg->db_path, cfg->mountpoint, err, errlen) != 0)
        return -1;

    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    rec_g.start_mono = rec_now_ns();
    st.start_realtime = (uint64_t)rt.tv_sec * 1000000000ULL + (uint64_t)rt.tv_nsec;
    make_uuid(st.uuid, sizeof st.uuid);
    st.source = cfg->source;
    st.mountpoint = cfg->mountpoint;
    st.command = cfg->command;
    st.options = cfg->options;
    st.snapshot = cfg->snapshot_data;

    rec_g.sink = cfg->db_path != NULL;
    rec_g.lttng = cfg->lttng;
    rec_g.drop = cfg->drop;
    rec_g.capture = cfg->capture_data;
    ring_geometry(cfg->ring_bytes ? cfg->ring_bytes : DEFAULT_RING_BYTES,
                  &rec_g.ring_cap, &rec_g.max_rec);
    atomic_store(&rec_g.noring_seen, 0);
    atomic_store(&rec_g.noring_lost, 0);
    atomic_store(&rec_g.kernel_lost, 0);

    if (cfg->db_path) {
        struct utsname u;
        bool have_u = uname(&u) == 0;
        struct session_facts f = {
            .uuid = st.uuid,
            .start_realtime_ns = (int64_t)st.start_realtime,
            .start_monotonic_ns = (int64_t)rec_g.start_mono,
            .pid = getpid(),
            .version = FUSETRACE_VERSION,
            .source = cfg->source, .mountpoint = cfg->mountpoint,
            .command = cfg->command, .options = cfg->options,
            .host = have_u ? u.nodename : NULL,
            .kernel = have_u ? u.release : NULL,
            .libfuse = cfg->libfuse,
            .capture_data = (int64_t)cfg->capture_data,
            .drop = cfg->drop, .lttng = cfg->lttng,
            .ring_bytes = (int64_t)rec_g.ring_cap,
            .snapshot_data = (int64_t)cfg->snapshot_data,
        };
        if (sink_create(&st.sink, cfg->db_path, &f, err, errlen) != 0)
            return -1;
        st.writer = writer_start(&st.sink, rec_g.start_mono, cfg->capture_data, err, errlen);
        if (!st.writer) {
            sink_close(&st.sink);
            unlink(cfg->db_path);
            return -1;
        }
    }
    st.open = true;
    atomic_store(&rec_g.accepting, 1);
    rec_on = rec_g.sink || rec_g.lttng;
    atomic_store(&end_cause, NULL);
    tp_session(0, "recording", NULL, 0, 0);
    return 0;
}

void recorder_note_end_cause(const char *cause)
{
    const char *none = NULL;
    atomic_compare_exchange_strong(&end_cause, &none, cause);
}

void recorder_close(struct rec_result *out)
{
    struct rec_result dummy;
    if (!out)
        out = &dummy;
    memset(out, 0, sizeof *out);
    if (!st.open) {
        out->complete = true;
        return;
    }
    rec_on = false;
    atomic_store(&rec_g.accepting, 0);
    /* Wait for producers inside a push; new ones now see accepting == 0. */
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++)
        while (atomic_load(&rec_rings[i].busy) > 0)
            sched_yield();

    const char *cause = atomic_load(&end_cause);
    out->complete = cause == NULL;
    if (cause)
        snprintf(out->reason, sizeof out->reason, "%s", cause);
    if (st.writer) {
        struct writer_result wr;
        writer_stop(st.writer, cause, &wr);
        st.writer = NULL;
        out->events = wr.stored;
        out->lost = wr.lost;
        out->complete = !wr.failed && wr.lost == 0 && !cause;
        snprintf(out->reason, sizeof out->reason, "%s", wr.reason);
    }
    ring_release_all(atomic_load(&rec_g.gen));
    atomic_fetch_add(&rec_g.gen, 1);
    tp_session(1, out->complete ? "complete" : "incomplete", cause, out->events, out->lost);
    if (!out->complete)
        fprintf(stderr, "fusetrace: recording incomplete: %s\n", out->reason);
    rec_g.sink = rec_g.lttng = false;
    st.open = false;
}
