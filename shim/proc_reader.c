/* proc_reader.c — see proc_reader.h.
 *
 * Which /proc reads can wait for the process read (measured on this
 * kernel, 6.18, with a FUSE server holding the FLUSH that an exec sends
 * when it closes its close-on-exec files, and a reader of each entry):
 *   - block until the exec completes: stat and task/TID/stat
 *     (do_task_stat takes the exec_update_lock for reading), wchan, io,
 *     stack, exe, cwd (the ptrace access check, under the same lock),
 *     environ and maps (mm_access, same lock);
 *   - do not block: status, task/TID/status, comm, cmdline, statm, fd/,
 *     limits, sched, cgroup, loginuid.
 * A page fault that waits for a READ does not hold its mmap lock here (the
 * fault is retried after the page is read), so cmdline (which takes the
 * mmap lock for reading) did not block in that case; a process holding
 * the lock for writing while it waits for the mount would block it.
 * Everything here may therefore wait for an exec or a page fault of the
 * process it reads, and only this thread reads them.
 */
#include "shim/proc_reader.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shim/proc_events.h"
#include "trace/rec_process.h"
#include "trace/recorder.h"

#define QUEUE_MAX 8192
/* How long a read waits for the connector to report what happened to the
 * process while it was being read. */
#define SYNC_NS 1000000000ULL

struct request {
    uint32_t tid;
    unsigned what;
    int attempt;               /* reads of this identity so far (exec races) */
    /* An exec's name, read by the connector's thread as it learned of the
     * exec (proc_reader_exec): the process may be gone by our turn. */
    uint64_t exec_image;       /* 0: none */
    char exec_comm[16];
};

struct fifo {
    struct request items[QUEUE_MAX];
    size_t head, n;
};

/* Two threads: identities (whose reads may block behind an exec) and
 * credentials (/proc/TID/status only, which no exec or fault holds up:
 * requests may wait a little for those, pt_wait_creds). */
enum { W_IDENTITY, W_CREDS, W_N };

struct worker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started, stop;
    struct fifo hi, lo;
};

/* Set when proc_reader_stop gave up waiting for the identity thread: it is
 * blocked reading a process that does not progress (stuck in an exec that
 * waits for some other hung filesystem: the end of our own mount does not
 * free it).  The thread then touches nothing more once its read returns. */
static atomic_bool abandoned;
/* Held while a read's results are applied, and to set `abandoned`. */
static pthread_mutex_t leave_mu = PTHREAD_MUTEX_INITIALIZER;

/* How long stopping waits for the identity thread. */
#define STOP_WAIT_S 2

static struct worker W[W_N] = {
    [W_IDENTITY] = { .mu = PTHREAD_MUTEX_INITIALIZER },
    [W_CREDS] = { .mu = PTHREAD_MUTEX_INITIALIZER },
};
static bool scan_at_start;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- reading ----------------------------------------------------------------- */

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    return (ssize_t)got;
}

static bool field_u32(const char *text, const char *name, uint32_t *out)
{
    const char *p = strstr(text, name);
    if (!p)
        return false;
    *out = (uint32_t)strtoul(p + strlen(name), NULL, 10);
    return true;
}

bool proc_parse_status(const char *text, struct proc_read_result *out)
{
    if (!field_u32(text, "\nTgid:", &out->tgid) || !field_u32(text, "\nPPid:", &out->ppid))
        return false;
    const char *g = strstr(text, "\nGroups:");
    const char *c = strstr(text, "\nCapEff:");
    if (!g || !c)
        return false;
    g += strlen("\nGroups:");
    out->ngroups = 0;
    while (*g && *g != '\n') {
        while (*g == ' ' || *g == '\t')
            g++;
        if (!isdigit((unsigned char)*g))
            break;
        char *end;
        unsigned long v = strtoul(g, &end, 10);
        if (out->ngroups < PROC_GROUPS_MAX)
            out->groups[out->ngroups] = (gid_t)v;
        out->ngroups++;
        g = end;
    }
    out->cap_eff = strtoull(c + strlen("\nCapEff:"), NULL, 16);
    out->have_creds = true;
    return true;
}

/* Name, command line, start time and kernel flags of process tgid. */
struct identity_text {
    int64_t start_time;
    unsigned long flags;       /* /proc/PID/stat field 9 */
    bool have_flags;
    char comm[REC_COMM_MAX + 1];
    char cmdline[REC_CMDLINE_MAX + 1];
    bool have_comm, have_cmdline;
};

/* PF_FORKNOEXEC: set by fork, cleared by exec as soon as it begins. */
#define TASK_FORKNOEXEC 0x00000040UL

static unsigned long stat_flags(const char *stat, size_t len, bool *ok)
{
    const char *close_paren = NULL;
    for (size_t i = 0; i < len; i++)
        if (stat[i] == ')')
            close_paren = stat + i;
    *ok = false;
    if (!close_paren)
        return 0;
    const char *p = close_paren + 1, *end = stat + len;
    for (int field = 3; field < 9 && p < end; field++) {
        while (p < end && *p == ' ')
            p++;
        while (p < end && *p != ' ')
            p++;
    }
    while (p < end && *p == ' ')
        p++;
    if (p >= end)
        return 0;
    *ok = true;
    return strtoul(p, NULL, 10);
}

static void read_identity(uint32_t tgid, struct identity_text *id)
{
    char path[64], buf[1024];
    /* Name and command line first, stat last: stat waits while an exec
     * is in its critical section, so what came before is not older than
     * the flags it reports. */
    snprintf(path, sizeof path, "/proc/%u/comm", tgid);
    ssize_t n = read_small(path, id->comm, sizeof id->comm - 1);
    if (n > 0 && id->comm[n - 1] == '\n')
        n--;
    id->comm[n > 0 ? n : 0] = 0;
    id->have_comm = n > 0;
    snprintf(path, sizeof path, "/proc/%u/cmdline", tgid);
    n = read_small(path, id->cmdline, sizeof id->cmdline - 1);
    /* Arguments are NUL-separated; show them space-separated.  A zombie
     * or a kernel thread has none. */
    while (n > 0 && id->cmdline[n - 1] == 0)
        n--;
    for (ssize_t i = 0; i < n; i++)
        if (id->cmdline[i] == 0)
            id->cmdline[i] = ' ';
    id->cmdline[n > 0 ? n : 0] = 0;
    id->have_cmdline = n > 0;
    id->start_time = -1;
    id->have_flags = false;
    snprintf(path, sizeof path, "/proc/%u/stat", tgid);
    n = read_small(path, buf, sizeof buf);
    if (n > 0) {
        id->start_time = proc_parse_starttime(buf, (size_t)n);
        id->flags = stat_flags(buf, (size_t)n, &id->have_flags);
    }
}

/* An identity read, waiting to be checked against the connector: an exec
 * renames the process (and replaces its command line) a little before the
 * kernel reports the exec, so a read in between describes the next image
 * while the table still names the previous one.  The read is reported
 * only once the connector has caught up with a moment GRACE_NS after it
 * and the image is still the one it was read for. */
#define GRACE_NS 20000000ULL
#define PENDING_MAX 1024

struct pending {
    uint64_t due;
    struct proc_read_result r;
    struct identity_text id;
    int attempt;
};

static struct {
    struct pending items[PENDING_MAX];
    size_t head, n;
} P;

static void enqueue(uint32_t tid, unsigned what, bool low, int attempt);
static void schedule_check(const struct proc_read_result *r, const struct identity_text *id,
                           int attempt);

static void report(struct proc_read_result *r, const struct identity_text *id)
{
    struct rec_proc_identity ri = {
        .tid = r->tid, .tgid = r->tgid, .ppid = r->ppid, .image_ts = r->image_ts,
        .start_time = id->start_time,
        .comm = id->have_comm ? id->comm : NULL,
        .cmdline = id->have_cmdline ? id->cmdline : NULL,
    };
    rec_proc_identity(&ri);
    r->described = true;
    r->have_creds = false;     /* applied when read */
    r->done = true;
    pt_apply_read(r);
    /* Ancestry: a process older than the connector was not seen forking;
     * its parent is described the same way (up to the first process
     * that is known).  Not the daemon's own: whoever started the recorder
     * made no request, and its command line (a CI runner's environment,
     * a login shell) has no place in a trace that may be shared. */
    if (r->ppid && r->tgid != (uint32_t)getpid() && !pt_described(r->ppid))
        proc_reader_request(r->ppid, PT_READ_IDENTITY, false);
}

static void verify(struct pending *p)
{
    proc_events_sync(SYNC_NS);
    if (pt_image_ts(p->r.tgid, NULL) == p->r.image_ts) {
        report(&p->r, &p->id);
        return;
    }
    /* A new image began meanwhile: read again (once or twice). */
    p->r.done = true;
    pt_apply_read(&p->r);
    if (p->attempt < 2)
        enqueue(p->r.tid, PT_READ_IDENTITY, false, p->attempt + 1);
}

/* Report an exec's name read early (struct request), for a process that
 * was gone before its turn. */
static void early_name(const struct request *q)
{
    struct proc_read_result r = { .tid = q->tid, .tgid = q->tid, .image_ts = q->exec_image };
    struct identity_text id = { .start_time = -1, .have_comm = q->exec_comm[0] != 0 };
    snprintf(id.comm, sizeof id.comm, "%s", q->exec_comm);
    if (id.have_comm)
        schedule_check(&r, &id, q->attempt);
    else
        pt_read_dropped(q->tid, PT_READ_IDENTITY);
}

static void identity_read(const struct request *q, bool own, struct proc_read_result *r,
                          const struct identity_text *id, bool connector, bool forked);

/* Read thread tid and report it.  own: the daemon itself, which cannot
 * exec while it reads itself (reported at once). */
static void do_read(const struct request *q, bool own)
{
    uint32_t tid = q->tid;
    unsigned what = q->what;
    struct proc_read_result r = { .tid = tid };
    char path[64], buf[4096];
    /* status takes the task's alloc_lock spinlock (name, fs, groups), its
     * sighand spinlock (signal masks) and RCU (credentials); the mm
     * counters it prints need no mmap lock.  No sleeping lock, none an
     * exec or a page fault holds: a request may wait for this read. */
    snprintf(path, sizeof path, "/proc/%u/status", tid);
    ssize_t n = read_small(path, buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        if (!proc_parse_status(buf, &r))
            n = 0;
    }
    if (n <= 0) {              /* gone */
        if ((what & PT_READ_IDENTITY) && q->exec_image)
            early_name(q);
        else
            pt_read_dropped(tid, what);
        return;
    }
    if (!(what & PT_READ_IDENTITY)) {
        pt_apply_read(&r);
        return;
    }
    pt_apply_read(&r);         /* the credentials now, the identity once checked */
    bool connector = proc_events_active();
    bool forked = false;
    r.image_ts = connector ? pt_image_ts(r.tgid, &forked) : REC_IMAGE_UNKNOWN;
    struct identity_text id;
    read_identity(r.tgid, &id);
    /* The read may have returned just as proc_reader_stop gave up on
     * this thread: what follows touches the table and the recorder, so
     * it runs only while the thread is not left behind, and stopping
     * waits for it (it takes no lock a /proc read waits on). */
    pthread_mutex_lock(&leave_mu);
    if (!atomic_load(&abandoned))
        identity_read(q, own, &r, &id, connector, forked);
    pthread_mutex_unlock(&leave_mu);
}

/* What an identity read found: report it, or check it first, or read
 * again (do_read). */
static void identity_read(const struct request *q, bool own, struct proc_read_result *r,
                          const struct identity_text *id, bool connector, bool forked)
{
    if (!id->have_comm && !id->have_cmdline && id->start_time < 0) {
        if (q->exec_image)
            early_name(q);     /* gone meanwhile */
        else
            pt_read_dropped(q->tid, PT_READ_IDENTITY);
        return;
    }
    if (!connector || own) {
        report(r, id);
        return;
    }
    if (forked && id->have_flags && !(id->flags & TASK_FORKNOEXEC)) {
        /* Forked and already exec'ing: this describes the next image,
         * whose EXEC the connector reports shortly (and which asks for a
         * read of its own if the process is of interest). */
        r->done = true;
        pt_apply_read(r);
        if (q->attempt < 2)
            enqueue(q->tid, PT_READ_IDENTITY, false, q->attempt + 1);
        return;
    }
    schedule_check(r, id, q->attempt);
}

static void schedule_check(const struct proc_read_result *r, const struct identity_text *id,
                           int attempt)
{
    struct pending *p;
    if (P.n == PENDING_MAX) {  /* full: check the oldest now */
        p = &P.items[P.head];
        P.head = (P.head + 1) % PENDING_MAX;
        P.n--;
        verify(p);
    }
    p = &P.items[(P.head + P.n++) % PENDING_MAX];
    *p = (struct pending){ .due = now_ns() + GRACE_NS, .r = *r, .id = *id, .attempt = attempt };
}

void proc_reader_read_self(void)
{
    struct request q = { .tid = (uint32_t)getpid(), .what = PT_READ_IDENTITY | PT_READ_CREDS };
    do_read(&q, true);
}

/* ---- the queue ---------------------------------------------------------------- */

static bool fifo_push(struct fifo *f, struct request r)
{
    if (f->n == QUEUE_MAX)
        return false;
    f->items[(f->head + f->n++) % QUEUE_MAX] = r;
    return true;
}

static struct request fifo_pop(struct fifo *f)
{
    struct request r = f->items[f->head];
    f->head = (f->head + 1) % QUEUE_MAX;
    f->n--;
    return r;
}

static void push(struct worker *w, const struct request *q, bool low)
{
    pthread_mutex_lock(&w->mu);
    bool ok = w->started && !w->stop && fifo_push(low ? &w->lo : &w->hi, *q);
    if (ok)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (!ok)
        pt_read_dropped(q->tid, q->what);
}

static void enqueue(uint32_t tid, unsigned what, bool low, int attempt)
{
    if (!tid)
        return;
    if (what & PT_READ_CREDS)
        push(&W[W_CREDS], &(struct request){ .tid = tid, .what = PT_READ_CREDS }, low);
    if (what & PT_READ_IDENTITY)
        push(&W[W_IDENTITY],
             &(struct request){ .tid = tid, .what = PT_READ_IDENTITY, .attempt = attempt }, low);
}

void proc_reader_exec(uint32_t tgid, uint64_t image_ts)
{
    /* /proc/PID/comm takes only the task's own spinlock: reading it here,
     * on the connector's thread, waits for nobody (proc_reader.h). */
    struct request q = { .tid = tgid, .what = PT_READ_IDENTITY, .exec_image = image_ts };
    char path[64];
    snprintf(path, sizeof path, "/proc/%u/comm", tgid);
    ssize_t n = read_small(path, q.exec_comm, sizeof q.exec_comm - 1);
    if (n > 0 && q.exec_comm[n - 1] == '\n')
        n--;
    q.exec_comm[n > 0 ? n : 0] = 0;
    push(&W[W_IDENTITY], &q, false);
}

void proc_reader_request(uint32_t tid, unsigned what, bool low)
{
    enqueue(tid, what, low, 0);
}

/* Credentials of every thread that exists now.  Listing /proc and
 * /proc/PID/task walks the pid table under RCU and takes no lock of the
 * processes listed. */
static void scan_all(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/task", e->d_name);
        DIR *t = opendir(path);
        if (!t)
            continue;
        struct dirent *te;
        while ((te = readdir(t)))
            if (isdigit((unsigned char)te->d_name[0]))
                proc_reader_request((uint32_t)strtoul(te->d_name, NULL, 10), PT_READ_CREDS, true);
        closedir(t);
    }
    closedir(d);
}

static void wait_until(struct worker *w, uint64_t due)
{
    /* CLOCK_MONOTONIC deadlines: the condition uses that clock */
    struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ULL),
                           .tv_nsec = (long)(due % 1000000000ULL) };
    pthread_cond_timedwait(&w->cv, &w->mu, &ts);
}

/* verify(), unless proc_reader_stop left this thread behind (leave_mu) */
static void verify_unless_left(struct pending *p)
{
    pthread_mutex_lock(&leave_mu);
    if (!atomic_load(&abandoned))
        verify(p);
    pthread_mutex_unlock(&leave_mu);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    bool identities = w == &W[W_IDENTITY];
    pthread_setname_np(pthread_self(), identities ? "ft-ident" : "ft-creds");
    if (!identities && scan_at_start)
        scan_all();
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->stop)
            break;
        /* Reads first (the process may be about to end), then the checks
         * that are due. */
        if (w->hi.n || w->lo.n) {
            struct request q = fifo_pop(w->hi.n ? &w->hi : &w->lo);
            pthread_mutex_unlock(&w->mu);
            do_read(&q, false);
            if (atomic_load(&abandoned))
                return NULL;
            pthread_mutex_lock(&w->mu);
            continue;
        }
        if (identities && P.n && P.items[P.head].due <= now_ns()) {
            struct pending p = P.items[P.head];
            P.head = (P.head + 1) % PENDING_MAX;
            P.n--;
            pthread_mutex_unlock(&w->mu);
            verify_unless_left(&p);
            pthread_mutex_lock(&w->mu);
            continue;
        }
        if (identities && P.n)
            wait_until(w, P.items[P.head].due);
        else
            pthread_cond_wait(&w->cv, &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    /* Stopping (the mount is gone): what is still waiting is checked now. */
    while (identities && P.n) {
        struct pending p = P.items[P.head];
        P.head = (P.head + 1) % PENDING_MAX;
        P.n--;
        verify_unless_left(&p);
    }
    return NULL;
}

/* false: the thread did not end within STOP_WAIT_S and was left behind
 * (abandoned); nothing it may still touch can be freed. */
static bool worker_stop(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    bool started = w->started;
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    /* The identity thread may be blocked reading a process that waits for
     * the mount: the mount is gone by now (the session ended first), so
     * that read completes.  One that waits for something else (an exec
     * stuck on another, hung, filesystem) may never: the daemon must
     * still end, so the wait is bounded and the thread left behind. */
    if (started) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += STOP_WAIT_S;
        if (pthread_timedjoin_np(w->thread, NULL, &dl) != 0) {
            pthread_mutex_lock(&leave_mu);
            atomic_store(&abandoned, true);
            pthread_mutex_unlock(&leave_mu);
            pthread_detach(w->thread);
            fprintf(stderr, "fusetrace: the %s thread is still blocked reading /proc of a "
                            "process that does not progress (stuck in exec?) after %d s; "
                            "leaving it behind\n",
                    w == &W[W_IDENTITY] ? "ft-ident" : "ft-creds", STOP_WAIT_S);
            return false;
        }
    }
    pthread_mutex_lock(&w->mu);
    w->started = false;
    pthread_mutex_unlock(&w->mu);
    if (started)
        pthread_cond_destroy(&w->cv);
    return true;
}

static int worker_start(struct worker *w)
{
    /* Deadlines are CLOCK_MONOTONIC times. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_lock(&w->mu);
    w->stop = false;
    w->hi.n = w->lo.n = 0;
    w->started = true;
    pthread_mutex_unlock(&w->mu);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_lock(&w->mu);
        w->started = false;
        pthread_mutex_unlock(&w->mu);
        pthread_cond_destroy(&w->cv);
        return -1;
    }
    return 0;
}

int proc_reader_start(bool scan)
{
    P.head = P.n = 0;
    scan_at_start = scan;
    if (worker_start(&W[W_CREDS]) != 0)
        return -1;
    if (worker_start(&W[W_IDENTITY]) != 0) {
        (void)worker_stop(&W[W_CREDS]);
        return -1;
    }
    return 0;
}

bool proc_reader_stop(void)
{
    bool ident = worker_stop(&W[W_IDENTITY]);
    bool creds = worker_stop(&W[W_CREDS]);
    return ident && creds;
}
