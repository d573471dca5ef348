/* proc_table.c — see proc_table.h. */
#include "shim/proc_table.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/duration.h"
#include "util/u64map.h"

struct pt_proc {
    uint32_t tgid;
    uint64_t image_ts;         /* 0: began before the connector listened */
    bool interesting;          /* its events go to the recorder */
    bool marked;               /* made interesting by pt_mark_interesting */
    bool described;            /* the recorder knows the current image */
    bool leader_gone;
    bool forked;               /* the image began with a fork, not an exec */
    bool gone;                 /* ended: kept a while for reads still being checked */
    uint64_t gone_ns;
    int nthreads;              /* -1: unknown (older than the connector) */
};

struct pt_thread {
    uint32_t tid, tgid;        /* tgid 0: not known yet */
    bool ident_queued;         /* an identity read is queued or running */
    bool creds_queued;         /* a credentials read is queued or running */
    uint64_t read_ns;          /* CLOCK_MONOTONIC of the last identity read asked */
    struct proc_creds c;
};

static struct {
    pthread_rwlock_t lock;
    struct rmap procs;         /* tgid -> struct pt_proc * */
    struct rmap threads;       /* tid -> struct pt_thread * */
    /* Ended processes, oldest first: their entries stay GONE_KEEP_NS so an
     * identity read just before the end can still be checked against the
     * image it was read for (proc_reader.c). */
    uint32_t *gone;
    size_t gone_head, gone_n, gone_cap;
    /* Credentials reads completing (pt_wait_creds). */
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
} T = { .lock = PTHREAD_RWLOCK_INITIALIZER, .wmu = PTHREAD_MUTEX_INITIALIZER,
        .wcv = PTHREAD_COND_INITIALIZER };

#define GONE_KEEP_NS 2000000000ULL

/* Without the connector nothing tells us about an exec: a thread's
 * identity is read again at most this often (a new program is noticed
 * that late). */
#define FALLBACK_REREAD_NS 1000000000ULL
static _Atomic bool connector_active;

void pt_set_connector(bool active)
{
    connector_active = active;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct pt_proc *proc_get(uint32_t tgid)
{
    uint64_t v;
    return tgid && rmap_get(&T.procs, tgid, &v) ? (struct pt_proc *)(uintptr_t)v : NULL;
}

static struct pt_thread *thread_get(uint32_t tid)
{
    uint64_t v;
    return tid && rmap_get(&T.threads, tid, &v) ? (struct pt_thread *)(uintptr_t)v : NULL;
}

/* The entry for tgid, created if needed (NULL only when out of memory). */
static struct pt_proc *proc_make(uint32_t tgid)
{
    struct pt_proc *p = proc_get(tgid);
    if (p || !tgid)
        return p;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->tgid = tgid;
    p->nthreads = -1;
    if (!rmap_put(&T.procs, tgid, (uint64_t)(uintptr_t)p)) {
        free(p);
        return NULL;
    }
    return p;
}

static struct pt_thread *thread_make(uint32_t tid)
{
    struct pt_thread *t = thread_get(tid);
    if (t || !tid)
        return t;
    t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->tid = tid;
    if (!rmap_put(&T.threads, tid, (uint64_t)(uintptr_t)t)) {
        free(t);
        return NULL;
    }
    return t;
}

static void proc_del(uint32_t tgid)
{
    uint64_t v;
    if (rmap_del(&T.procs, tgid, &v))
        free((void *)(uintptr_t)v);
}

static void thread_del(uint32_t tid)
{
    uint64_t v;
    if (rmap_del(&T.threads, tid, &v))
        free((void *)(uintptr_t)v);
}

void proc_table_init(void)
{
}

void proc_table_free(void)
{
    pthread_rwlock_wrlock(&T.lock);
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&T.procs, &pos, &k, &v))
        free((void *)(uintptr_t)v);
    pos = 0;
    while (rmap_next(&T.threads, &pos, &k, &v))
        free((void *)(uintptr_t)v);
    rmap_free(&T.procs);
    rmap_free(&T.threads);
    free(T.gone);
    T.gone = NULL;
    T.gone_head = T.gone_n = T.gone_cap = 0;
    pthread_rwlock_unlock(&T.lock);
}

static void remember_gone(uint32_t tgid)
{
    if (T.gone_n == T.gone_cap) {
        size_t cap = T.gone_cap ? 2 * T.gone_cap : 256;
        uint32_t *g = malloc(cap * sizeof *g);
        if (!g) {
            proc_del(tgid);
            return;
        }
        for (size_t i = 0; i < T.gone_n; i++)
            g[i] = T.gone[(T.gone_head + i) % T.gone_cap];
        free(T.gone);
        T.gone = g;
        T.gone_head = 0;
        T.gone_cap = cap;
    }
    T.gone[(T.gone_head + T.gone_n++) % T.gone_cap] = tgid;
}

static void forget_gone(uint64_t now)
{
    while (T.gone_n) {
        struct pt_proc *p = proc_get(T.gone[T.gone_head]);
        if (p && p->gone && p->gone_ns + GONE_KEEP_NS > now)
            break;
        if (p && p->gone)
            proc_del(p->tgid);
        T.gone_head = (T.gone_head + 1) % T.gone_cap;
        T.gone_n--;
    }
}

/* ---- connector side ------------------------------------------------------ */

bool pt_fork(uint32_t ptid, uint32_t ptgid, uint32_t tid, uint32_t tgid, uint64_t ts,
             bool *want_identity)
{
    *want_identity = false;
    pthread_rwlock_wrlock(&T.lock);
    /* The creating thread's credentials are the new task's (clone copies
     * them; the kernel reports the thread that forked). */
    struct pt_thread *from = thread_get(ptid);
    if (!from || !from->c.groups_known)
        from = thread_get(ptgid) ? thread_get(ptgid) : from;
    struct proc_creds creds = from ? from->c : (struct proc_creds){ 0 };
    struct pt_proc *parent = proc_get(ptgid);
    bool interesting = false;

    if (tid == tgid) {
        struct pt_proc *old = proc_get(tgid);
        bool marked = old && old->marked && !old->gone && old->image_ts == 0;
        struct pt_proc *p = proc_make(tgid);
        if (p) {
            p->image_ts = ts;
            p->forked = true;
            p->gone = false;
            p->marked = marked;
            p->interesting = marked || (parent && parent->interesting);
            /* Its name and command line are its parent's until it execs;
             * if the parent's are not known, reading the child's tells
             * both (the recorder applies it to the parent too). */
            p->described = parent && parent->described;
            p->leader_gone = false;
            p->nthreads = 1;
            interesting = p->interesting;
            *want_identity = interesting && !p->described;
        }
    } else {
        struct pt_proc *p = proc_get(tgid);
        if (p && p->nthreads >= 0)
            p->nthreads++;
        interesting = p && p->interesting;
    }
    struct pt_thread *t = thread_make(tid);
    if (t) {
        t->tgid = tgid;
        t->ident_queued = t->creds_queued = false;
        t->c = creds;
    }
    pthread_rwlock_unlock(&T.lock);
    return interesting;
}

bool pt_exec(uint32_t tid, uint32_t tgid, uint64_t ts, bool creds, bool *want_identity,
             bool *want_creds)
{
    (void)tid;
    *want_creds = false;
    pthread_rwlock_wrlock(&T.lock);
    struct pt_proc *p = proc_make(tgid);
    bool interesting = false;
    if (p) {
        p->image_ts = ts;
        p->forked = false;
        p->described = false;
        p->leader_gone = false;
        p->gone = false;
        interesting = p->interesting;
    }
    /* An exec may change capabilities (setuid programs, file
     * capabilities), never the supplementary groups — but setgroups(2)
     * reports nothing, and tools that drop privileges (setpriv, su, sudo)
     * set the groups last, after the uid and gid, right before they exec:
     * the exec is the moment to read both again. */
    struct pt_thread *t = thread_get(tgid);
    if (t) {
        t->c.caps_known = false;
        if (creds) {
            t->c.groups_known = false;
            *want_creds = !t->creds_queued;
            t->creds_queued = true;
        }
    }
    pthread_rwlock_unlock(&T.lock);
    *want_identity = interesting;
    return interesting;
}

void pt_ids_changed(uint32_t tid, uint32_t tgid, bool *want_creds)
{
    (void)tgid;
    pthread_rwlock_wrlock(&T.lock);
    struct pt_thread *t = thread_get(tid);
    *want_creds = false;
    if (t) {
        /* setgroups(2) itself reports nothing; a uid/gid change usually
         * follows it (login, su, sudo, setpriv): read both again. */
        t->c.groups_known = false;
        t->c.caps_known = false;
        *want_creds = !t->creds_queued;
        if (*want_creds)
            t->creds_queued = true;
    }
    pthread_rwlock_unlock(&T.lock);
}

bool pt_exit(uint32_t tid, uint32_t tgid)
{
    pthread_rwlock_wrlock(&T.lock);
    struct pt_proc *p = proc_get(tgid);
    bool interesting = p && p->interesting;
    thread_del(tid);
    uint64_t now = now_ns();
    if (p) {
        if (p->nthreads > 0)
            p->nthreads--;
        if (tid == tgid)
            p->leader_gone = true;
        /* A leader that exits before its other threads (or is ended by
         * another thread's exec) leaves the process in place. */
        if (p->leader_gone && p->nthreads <= 0 && !p->gone) {
            p->gone = true;
            p->gone_ns = now;
            remember_gone(tgid);
        }
    }
    forget_gone(now);
    pthread_rwlock_unlock(&T.lock);
    return interesting;
}

bool pt_interesting(uint32_t tgid)
{
    pthread_rwlock_rdlock(&T.lock);
    struct pt_proc *p = proc_get(tgid);
    bool r = p && p->interesting;
    pthread_rwlock_unlock(&T.lock);
    return r;
}

uint64_t pt_image_ts(uint32_t tgid, bool *forked)
{
    pthread_rwlock_rdlock(&T.lock);
    struct pt_proc *p = proc_get(tgid);
    uint64_t r = p ? p->image_ts : 0;
    if (forked)
        *forked = p && p->forked;
    pthread_rwlock_unlock(&T.lock);
    return r;
}

void pt_mark_interesting(uint32_t tgid)
{
    pthread_rwlock_wrlock(&T.lock);
    struct pt_proc *p = proc_make(tgid);
    if (p) {
        p->interesting = true;
        p->marked = true;
    }
    pthread_rwlock_unlock(&T.lock);
}

/* ---- request side ------------------------------------------------------- */

/* What to read about thread t of process p (NULL: unknown). */
static unsigned wanted(const struct pt_thread *t, const struct pt_proc *p, uint64_t now)
{
    unsigned what = 0;
    if ((!t || !t->ident_queued) &&
        (!p || !p->described ||
         (!connector_active && t && now - t->read_ns > FALLBACK_REREAD_NS)))
        what |= PT_READ_IDENTITY;
    if (!t || (!t->creds_queued && (!t->c.groups_known || !t->c.caps_known)))
        what |= PT_READ_CREDS;
    return what;
}

unsigned pt_note_request(uint32_t tid, unsigned want)
{
    if (!tid)
        return 0;
    uint64_t now = now_ns();
    pthread_rwlock_rdlock(&T.lock);
    struct pt_thread *t = thread_get(tid);
    struct pt_proc *p = t ? proc_get(t->tgid) : NULL;
    bool settled = p && p->interesting && (wanted(t, p, now) & want) == 0;
    pthread_rwlock_unlock(&T.lock);
    if (settled)
        return 0;

    pthread_rwlock_wrlock(&T.lock);
    t = thread_make(tid);
    p = t ? proc_get(t->tgid) : NULL;
    if (p)
        p->interesting = true;
    unsigned what = wanted(t, p, now) & want;
    if (t) {
        if (what & PT_READ_IDENTITY) {
            t->ident_queued = true;
            t->read_ns = now;
        }
        if (what & PT_READ_CREDS)
            t->creds_queued = true;
    }
    pthread_rwlock_unlock(&T.lock);
    return what;
}

bool pt_caps_refresh(uint32_t tid)
{
    pthread_rwlock_wrlock(&T.lock);
    struct pt_thread *t = thread_make(tid);
    bool ask = false;
    if (t) {
        t->c.caps_known = false;
        ask = !t->creds_queued;
        t->creds_queued = true;
    }
    pthread_rwlock_unlock(&T.lock);
    return ask;
}

bool pt_creds(uint32_t tid, struct proc_creds *out)
{
    pthread_rwlock_rdlock(&T.lock);
    struct pt_thread *t = thread_get(tid);
    if (t)
        *out = t->c;
    pthread_rwlock_unlock(&T.lock);
    return t != NULL;
}

/* ---- identity thread side ---------------------------------------------- */

bool pt_described(uint32_t tgid)
{
    pthread_rwlock_rdlock(&T.lock);
    struct pt_proc *p = proc_get(tgid);
    bool r = p && p->described;
    pthread_rwlock_unlock(&T.lock);
    return r;
}

void pt_apply_read(const struct proc_read_result *r)
{
    pthread_rwlock_wrlock(&T.lock);
    struct pt_thread *t = thread_make(r->tid);
    if (t) {
        t->tgid = r->tgid;
        if (r->have_creds) {
            t->c.groups_known = r->ngroups <= PROC_GROUPS_MAX;
            t->c.ngroups = t->c.groups_known ? r->ngroups : 0;
            memcpy(t->c.groups, r->groups, t->c.ngroups * sizeof(gid_t));
            t->c.cap_eff = r->cap_eff;
            t->c.caps_known = true;
            t->creds_queued = false;
        }
        if (r->done)
            t->ident_queued = false;
    }
    struct pt_proc *p = proc_make(r->tgid);
    if (p && r->described && (!connector_active || p->image_ts == r->image_ts))
        p->described = true;
    pthread_rwlock_unlock(&T.lock);
    if (r->have_creds) {
        pthread_mutex_lock(&T.wmu);
        pthread_cond_broadcast(&T.wcv);
        pthread_mutex_unlock(&T.wmu);
    }
}

void pt_read_dropped(uint32_t tid, unsigned what)
{
    pthread_rwlock_wrlock(&T.lock);
    struct pt_thread *t = thread_get(tid);
    if (t) {
        if (what & PT_READ_IDENTITY)
            t->ident_queued = false;
        if (what & PT_READ_CREDS)
            t->creds_queued = false;
    }
    pthread_rwlock_unlock(&T.lock);
    if (what & PT_READ_CREDS) {
        pthread_mutex_lock(&T.wmu);
        pthread_cond_broadcast(&T.wcv);
        pthread_mutex_unlock(&T.wmu);
    }
}

bool pt_wait_creds(uint32_t tid, uint64_t timeout_ns, bool groups, struct proc_creds *out)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    timespec_add_ns(&deadline, timeout_ns);
    pthread_mutex_lock(&T.wmu);
    for (;;) {
        pthread_rwlock_rdlock(&T.lock);
        struct pt_thread *t = thread_get(tid);
        bool known = t && (groups ? t->c.groups_known : t->c.caps_known);
        bool pending = t && t->creds_queued;
        if (known)
            *out = t->c;
        pthread_rwlock_unlock(&T.lock);
        if (known || !pending ||
            pthread_cond_timedwait(&T.wcv, &T.wmu, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&T.wmu);
            return known;
        }
    }
}

void pt_stats(struct pt_stats *out)
{
    pthread_rwlock_rdlock(&T.lock);
    out->threads = T.threads.n;
    out->processes = T.procs.n;
    pthread_rwlock_unlock(&T.lock);
}

