/* stall.c — see stall.h. */
#include "shim/stall.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trace/recorder.h"
#include "wire/wire_decode.h"
#include "trace/worker_state.h"

/* Stalls reported and not yet ended, at most; a request that stalls while
 * this many are open is reported once one of them ends (said on stderr). */
#define STALL_OPEN_MAX 256

struct open_stall {
    uint64_t unique;
    uint32_t tid;              /* holder when last seen */
    int slot;                  /* its worker slot (worker_state.h) */
    struct worker_req req;
    uint64_t vanished_ns;      /* first tick it was no longer held without a reply stamp */
};

/* The watchdog thread's own state (finish runs after it was joined). */
static struct {
    uint64_t stall_ns;
    struct open_stall open[STALL_OPEN_MAX];
    int nopen;
    uint64_t last_ts;          /* events go to one ring in time order */
    bool said_full, said_unwatched;
    struct worker_snap snaps[WORKER_SLOTS];
    bool valid[WORKER_SLOTS];
    /* When the watchdog first saw each slot's current call: the call's
     * start when the recorder did not time it (to the tick). */
    struct { uint32_t tid; uint64_t seq, seen_ns; } calls[WORKER_SLOTS];
} st;

bool stall_start(struct fs *fs)
{
    st.stall_ns = fs->cfg.stall_ns;
    st.nopen = 0;
    st.last_ts = 0;
    st.said_full = st.said_unwatched = false;
    if (!st.stall_ns)
        return false;
    worker_watch();
    if (!worker_watching) {
        fprintf(stderr, "fusetrace: --stall: cannot watch the worker threads "
                        "(no thread-specific key); the stall watchdog is off\n");
        return false;
    }
    return true;
}

static uint64_t ordered(uint64_t ts)
{
    if (ts < st.last_ts)
        ts = st.last_ts;
    st.last_ts = ts;
    return ts;
}

static const char *op_name(uint32_t opcode)
{
    const char *n = wire_opcode_name(opcode);
    return n ? n : "request";
}

static double secs(uint64_t ns)
{
    return (double)ns / 1e9;
}

/* ---- what the holding thread is doing --------------------------------------- */

/* Read a small /proc/self file into buf (NUL-terminated, trailing newline
 * dropped); false when unreadable.  Only our own /proc/self entries, from
 * this thread, which serves no request:
 *   task/TID/stack  needs CAP_SYS_ADMIN; takes our own process's
 *                   exec_update_lock for reading (the kernel's lock_trace),
 *                   which only an exec of this process takes for writing —
 *                   the daemon never execs while it serves (`record` forks
 *                   COMMAND first, and the child's exec takes the child's
 *                   own lock) — so it cannot wait on a caller of the mount;
 *   task/TID/wchan  a ptrace check on our own thread (granted at once) and
 *                   the thread's pi_lock, a spinlock;
 *   fd/N            (readlink) our own file table, under RCU.
 * If one of them ever blocked, only the watchdog would be late. */
static bool read_self(const char *rel, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/%s", rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    while (n && buf[n - 1] == '\n')
        n--;
    buf[n] = 0;
    return n > 0;
}

struct holder_info {
    char name[4096];           /* a name argument (at most NAME_MAX in practice) */
    char fd_path[4096];        /* PATH_MAX */
    char wchan[128];           /* a kernel symbol */
    char stack[4096];          /* /proc/self/task/TID/stack: a few dozen frames */
    bool have_name, have_path, have_wchan, have_stack;
};

static void gather(int slot, const struct worker_snap *s, struct holder_info *h)
{
    char rel[64];
    h->name[0] = h->fd_path[0] = h->wchan[0] = h->stack[0] = 0;
    h->have_name = h->have_path = h->have_wchan = h->have_stack = false;
    if (s->in_call) {
        h->have_name = s->call.name && worker_copy_str(s->call.name, h->name, sizeof h->name) > 0;
        if (s->call.fd >= 0) {
            snprintf(rel, sizeof rel, "/proc/self/fd/%" PRId64, s->call.fd);
            ssize_t n = readlink(rel, h->fd_path, sizeof h->fd_path - 1);
            h->have_path = n > 0;
            h->fd_path[n > 0 ? n : 0] = 0;
        }
        /* The call may have returned meanwhile, its memory reused and its
         * fd number too: keep only what was read while it was still on. */
        if (!worker_still_in_call(slot, s))
            h->have_name = h->have_path = false;
    }
    snprintf(rel, sizeof rel, "task/%u/wchan", s->tid);
    /* "0": the thread is running, or the kernel hides the symbol. */
    h->have_wchan = read_self(rel, h->wchan, sizeof h->wchan) && strcmp(h->wchan, "0") != 0;
    snprintf(rel, sizeof rel, "task/%u/stack", s->tid);
    h->have_stack = read_self(rel, h->stack, sizeof h->stack);
}

/* ---- reporting ------------------------------------------------------------------- */

static void report_begin(int slot, const struct worker_snap *s, const struct holder_info *h,
                         uint64_t now)
{
    /* Timed by the recorder, or else since the watchdog first saw it. */
    uint64_t call_since = s->call.since ? s->call.since : st.calls[slot].seen_ns;
    struct rec_stall_event e = {
        .ts = ordered(now), .unique = s->req.unique, .tid = s->tid,
        .opcode = s->req.opcode, .pid = s->req.pid, .nodeid = s->req.nodeid,
        .held_ns = s->req.since, .fd = -1,
        .wchan = h->have_wchan ? h->wchan : NULL,
        .stack = h->have_stack ? h->stack : NULL,
    };
    char doing[4096 + 4096 + 512];
    if (s->in_call) {
        e.call = s->call.call;
        e.fd = s->call.fd;
        e.arg = s->call.arg;
        e.name = h->have_name ? h->name : NULL;
        e.fd_path = h->have_path ? h->fd_path : NULL;
        e.call_ns = call_since;
        snprintf(doing, sizeof doing, "is in %s(fd %" PRId64 "%s%s, arg %#" PRIx64 "%s%s%s) since %.1f s",
                 s->call.call ? s->call.call : "?", s->call.fd, h->have_path ? " " : "",
                 h->have_path ? h->fd_path : "", (uint64_t)s->call.arg,
                 h->have_name ? ", \"" : "", h->have_name ? h->name : "", h->have_name ? "\"" : "",
                 secs(now > call_since ? now - call_since : 0));
    } else {
        snprintf(doing, sizeof doing, "is not in a backing syscall");
    }
    rec_stall(&e);
    fprintf(stderr, "fusetrace: stall: %s request %" PRIu64 " from pid %u has waited %.1f s; "
                    "thread %u %s%s%s%s\n",
            op_name(s->req.opcode), s->req.unique, s->req.pid, secs(now - s->req.since), s->tid,
            doing, h->have_wchan ? " (kernel: " : "", h->have_wchan ? h->wchan : "",
            h->have_wchan ? ")" : "");
}

static void report_end(struct open_stall *o, enum rec_stall_end_reason why, uint64_t at)
{
    uint64_t ts = ordered(at);
    worker_unmark_stalled(o->slot, o->unique);
    rec_stall_end(o->unique, o->tid, why, ts);
    fprintf(stderr, "fusetrace: stall ended: %s request %" PRIu64 " after %.1f s (%s)\n",
            op_name(o->req.opcode), o->unique, secs(ts > o->req.since ? ts - o->req.since : 0),
            why == REC_STALL_REPLY ? "replied"
            : why == REC_STALL_NO_REPLY ? "released without a reply" : "the session ended");
    *o = st.open[--st.nopen];
}

/* ---- the tick ---------------------------------------------------------------------- */

static int holder_of(uint64_t unique, int nslots)
{
    for (int i = 0; i < nslots; i++)
        if (st.valid[i] && st.snaps[i].req.unique == unique)
            return i;
    return -1;
}

static bool is_open(uint64_t unique)
{
    for (int k = 0; k < st.nopen; k++)
        if (st.open[k].unique == unique)
            return true;
    return false;
}

void stall_tick(struct fs *fs, uint64_t now)
{
    int nslots = worker_slot_count();
    for (int i = 0; i < nslots; i++) {
        struct worker_snap *s = &st.snaps[i];
        st.valid[i] = worker_snapshot(i, s);
        if (!st.valid[i] || !s->in_call)
            continue;
        if (st.calls[i].tid != s->tid || st.calls[i].seq != s->call.seq) {
            st.calls[i].tid = s->tid;
            st.calls[i].seq = s->call.seq;
            st.calls[i].seen_ns = now;
        }
    }

    /* Ends first: their times lie before this tick's new reports. */
    for (int k = 0; k < st.nopen;) {
        struct open_stall *o = &st.open[k];
        int j = holder_of(o->unique, nslots);
        if (j >= 0) {
            if (j != o->slot) {        /* handed to another thread */
                worker_unmark_stalled(o->slot, o->unique);
                if (worker_mark_stalled(j, o->unique)) {
                    o->slot = j;
                    o->tid = st.snaps[j].tid;
                }
            }
            o->vanished_ns = 0;
            k++;
            continue;
        }
        uint64_t replied = worker_stall_reply(o->slot, o->unique);
        if (replied) {
            report_end(o, REC_STALL_REPLY, replied);
            continue;                  /* *o is now another stall */
        }
        /* Gone without a reply stamp.  While the session ends, libfuse
         * cancels its workers: that is the session's end, said by finish.
         * Otherwise wait one more tick, in case the stamp comes just after
         * the slot was cleared (worker_replied clears, then stamps). */
        if (fs->se && fuse_session_exited(fs->se)) {
            k++;
            continue;
        }
        if (!o->vanished_ns) {
            o->vanished_ns = now;
            k++;
            continue;
        }
        report_end(o, REC_STALL_NO_REPLY, o->vanished_ns);
    }

    for (int i = 0; i < nslots; i++) {
        const struct worker_snap *s = &st.snaps[i];
        if (!st.valid[i] || !s->req.unique || s->req.since > now
            || now - s->req.since < st.stall_ns || is_open(s->req.unique)
            || holder_of(s->req.unique, i) >= 0)   /* two slots in a hand-over: the first */
            continue;
        if (st.nopen == STALL_OPEN_MAX) {
            if (!st.said_full)
                fprintf(stderr, "fusetrace: stall watchdog: %d requests stalled at once; "
                                "more are reported as these end\n", STALL_OPEN_MAX);
            st.said_full = true;
            break;
        }
        /* Marked before the last look, so that a reply written meanwhile
         * is stamped (worker_replied). */
        if (!worker_mark_stalled(i, s->req.unique))
            continue;                  /* it ended just now: no stall */
        static struct holder_info h;
        gather(i, s, &h);
        report_begin(i, s, &h, now);
        st.open[st.nopen++] = (struct open_stall){
            .unique = s->req.unique, .tid = s->tid, .slot = i, .req = s->req,
        };
    }

    if (!st.said_unwatched && worker_unwatched()) {
        st.said_unwatched = true;
        fprintf(stderr, "fusetrace: stall watchdog: more than %d threads at once; "
                        "requests of the others cannot be watched\n", WORKER_SLOTS);
    }
}

void stall_finish(struct fs *fs, uint64_t now)
{
    (void)fs;
    /* A reply written since the last tick still counts as the reply; what
     * is still held (or was dropped as libfuse cancelled its workers)
     * ended with the session. */
    while (st.nopen) {
        struct open_stall *o = &st.open[st.nopen - 1];
        uint64_t replied = worker_stall_reply(o->slot, o->unique);
        if (replied)
            report_end(o, REC_STALL_REPLY, replied);
        else
            report_end(o, REC_STALL_SESSION_END, now);
    }
}
