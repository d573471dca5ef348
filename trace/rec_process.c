/* rec_process.c — see rec_process.h. */
#include "trace/rec_process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/recorder.h"

/* How long an exited image stays its pid's current image (record time):
 * long enough for the EXEC that follows a non-leader thread's exec, short
 * enough that a busy machine's exits do not pile up. */
#define GONE_KEEP_NS 2000000000ULL

/* ---- images --------------------------------------------------------------- */

static struct pimage *img_new(uint32_t pid, enum pimage_origin origin, uint64_t key,
                              uint64_t first_ts)
{
    struct pimage *img = calloc(1, sizeof *img);
    if (!img)
        return NULL;
    img->pid = pid;
    img->origin = origin;
    img->key = key;
    img->first_ts = first_ts;
    img->start_time = -1;
    return img;
}

static struct pimage *img_ref(struct pimage *img)
{
    if (img)
        img->refs++;
    return img;
}

static void img_unref(struct pimage *img)
{
    while (img && --img->refs == 0) {
        struct pimage *parent = img->parent, *replaced = img->replaced;
        free(img->comm);
        free(img->cmdline);
        free(img);
        /* Release the predecessor iteratively, the parent recursively:
         * exec chains can be long, ancestry is shallow. */
        img_unref(parent);
        img = replaced;
    }
}

static void set_str(char **dst, const char *src)
{
    if (!src || (*dst && strcmp(*dst, src) == 0))
        return;
    char *c = strdup(src);
    if (!c)
        return;                /* out of memory: keep what we had */
    free(*dst);
    *dst = c;
}

static bool same_str(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* ---- the pid map ------------------------------------------------------------ */

static struct pimage *cur_get(const struct pmodel *m, uint32_t pid)
{
    uint64_t v;
    return pid && rmap_get(&m->cur, pid, &v) ? (struct pimage *)(uintptr_t)v : NULL;
}

/* Make img the current image of its pid (takes a reference). */
static void cur_set(struct pmodel *m, uint32_t pid, struct pimage *img)
{
    struct pimage *old = cur_get(m, pid);
    if (old == img)
        return;
    if (!rmap_put(&m->cur, pid, (uint64_t)(uintptr_t)img)) {
        m->rc = m->rc ? m->rc : 7 /* SQLITE_NOMEM */;
        return;
    }
    img_ref(img);
    img_unref(old);
}

static void cur_del(struct pmodel *m, uint32_t pid)
{
    uint64_t v;
    if (rmap_del(&m->cur, pid, &v))
        img_unref((struct pimage *)(uintptr_t)v);
}

/* A new image as `pid`'s current one; NULL (rc set) when out of memory. */
static struct pimage *begin(struct pmodel *m, uint32_t pid, enum pimage_origin origin,
                            uint64_t key, uint64_t first_ts)
{
    struct pimage *img = img_new(pid, origin, key, first_ts);
    if (!img) {
        m->rc = m->rc ? m->rc : 7 /* SQLITE_NOMEM */;
        return NULL;
    }
    cur_set(m, pid, img);
    if (img->refs == 0) {      /* the map refused it */
        img_unref(img_ref(img));
        return NULL;
    }
    return img;
}

/* ---- rows -------------------------------------------------------------------- */

static void emit(struct pmodel *m, struct pimage *img)
{
    if (!img->row)
        return;
    int rc = m->emit(m->ctx, img);
    if (rc && !m->rc)
        m->rc = rc;
}

/* Give img a row, its parent and predecessor first (their ids are columns
 * of its row). */
static void materialize(struct pmodel *m, struct pimage *img)
{
    if (!img || img->row)
        return;
    materialize(m, img->parent);
    /* Predecessors oldest first, so that each one's own predecessor has
     * its row by the time it is written. */
    struct pimage *chain[64];
    size_t n = 0;
    for (struct pimage *p = img->replaced; p && !p->row && n < 64; p = p->replaced)
        chain[n++] = p;
    while (n > 0) {
        struct pimage *p = chain[--n];
        materialize(m, p->parent);
        if (p->replaced && !p->replaced->row)
            p->replaced = (img_unref(p->replaced), NULL);   /* beyond 64 execs: cut */
        p->row = m->next_row++;
        emit(m, p);
    }
    img->row = m->next_row++;
    emit(m, img);
}

/* ---- identities ------------------------------------------------------------- */

static void link_parent(struct pmodel *m, struct pimage *img, uint32_t ppid, uint64_t ts)
{
    if (!ppid)
        return;
    img->ppid = ppid;
    if (img->parent)
        return;
    struct pimage *p = cur_get(m, ppid);
    if (!p || (p->exited && ts > p->exit_ts)) {
        p = begin(m, ppid, PIMG_SEEN, REC_IMAGE_OLDER, ts);
        if (!p)
            return;
    }
    if (p == img)
        return;
    img->parent = img_ref(p);
    if (img->row)
        materialize(m, p);
}

/* A forked child runs its parent's program under its parent's name until
 * it execs or renames itself: what is learned about the parent is true of
 * children that have not. */
static void inherit_down(struct pmodel *m, struct pimage *parent, int depth)
{
    if (depth > 64)
        return;
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&m->cur, &pos, &k, &v)) {
        /* A child that has exec'd since keeps its forked image as the
         * predecessor of its current one. */
        int hops = 0;
        for (struct pimage *c = (struct pimage *)(uintptr_t)v; c && hops < 64;
             c = c->replaced, hops++) {
            if (c->parent != parent || c->origin != PIMG_FORK || c->described || c->renamed)
                continue;
            set_str(&c->comm, parent->comm);
            set_str(&c->cmdline, parent->cmdline);
            c->described = true;
            emit(m, c);
            inherit_down(m, c, depth + 1);
        }
    }
}

static void describe(struct pmodel *m, struct pimage *img, const struct rec_proc_rec *r,
                     const char *comm, const char *cmdline, uint64_t ts)
{
    if (comm)
        set_str(&img->comm, comm);
    if (cmdline)
        set_str(&img->cmdline, cmdline);
    if (r->start_time >= 0)
        img->start_time = r->start_time;
    img->described = img->described || comm || cmdline;
    link_parent(m, img, r->ppid, ts);
    emit(m, img);
    /* ...and of the program it was forked from, when that one was never
     * read (it exec'd again, or ended, before its turn). */
    struct pimage *p = img->parent;
    if (img->origin == PIMG_FORK && r->image_ts == img->key && !img->renamed &&
        p && !p->described && (comm || cmdline)) {
        set_str(&p->comm, comm);
        set_str(&p->cmdline, cmdline);
        p->described = true;
        emit(m, p);
        inherit_down(m, p, 0);
    }
    inherit_down(m, img, 0);
}

/* A placeholder a request made under a thread id that turned out to be a
 * thread of another process: it becomes that process's image if the
 * process has none yet, else stays a row of its own (described like it). */
static void resolve_thread_placeholder(struct pmodel *m, uint32_t tid, uint32_t tgid)
{
    struct pimage *ph = cur_get(m, tid);
    if (!ph || ph->described || ph->origin != PIMG_SEEN || ph->key != REC_IMAGE_OLDER)
        return;
    img_ref(ph);
    cur_del(m, tid);
    ph->pid = tgid;
    if (!cur_get(m, tgid))
        cur_set(m, tgid, ph);
    emit(m, ph);
    img_unref(ph);
}

static void identity_fallback(struct pmodel *m, const struct rec_proc_rec *r,
                              const char *comm, const char *cmdline, uint64_t ts)
{
    struct pimage *img = cur_get(m, r->tgid);
    if (img && img->exited && ts > img->exit_ts)
        img = NULL;
    if (!img) {
        img = begin(m, r->tgid, PIMG_SEEN, REC_IMAGE_OLDER, ts);
    } else if (img->described) {
        bool other_process = r->start_time >= 0 && img->start_time >= 0 &&
                             r->start_time != img->start_time;
        bool other_program = (comm && !same_str(comm, img->comm)) ||
                             (cmdline && !same_str(cmdline, img->cmdline));
        if (other_process) {
            img = begin(m, r->tgid, PIMG_SEEN, REC_IMAGE_OLDER, ts);
        } else if (other_program) {
            /* Noticed now; it happened at some time since the last read. */
            struct pimage *old = img;
            img = img_new(r->tgid, PIMG_EXEC, REC_IMAGE_OLDER, ts);
            if (!img) {
                m->rc = m->rc ? m->rc : 7;
                return;
            }
            img->parent = img_ref(old->parent);
            img->ppid = old->ppid;
            img->replaced = img_ref(old);
            img->tracked = old->tracked;
            img->command = old->command;
            img->start_time = old->start_time;
            bool had_row = old->row != 0;
            cur_set(m, r->tgid, img);
            if (had_row || img->tracked)
                materialize(m, img);
        }
    }
    if (img)
        describe(m, img, r, comm, cmdline, ts);
}

void pm_identity(struct pmodel *m, const struct rec_proc_rec *r, const char *comm,
                 const char *cmdline, uint64_t ts)
{
    if (!r->tgid)
        return;
    if (r->tid && r->tid != r->tgid) {
        rmap_put(&m->threads, r->tid, r->tgid);
        resolve_thread_placeholder(m, r->tid, r->tgid);
    }
    if (r->image_ts == REC_IMAGE_UNKNOWN) {
        identity_fallback(m, r, comm, cmdline, ts);
        return;
    }
    struct pimage *img = cur_get(m, r->tgid);
    /* The image it was read for, even if it has ended since (identities
     * are checked before they are sent, so they arrive late); image times
     * never repeat, and a pid recycled after the connector began listening
     * comes with a fork time of its own. */
    if (img && img->exited && ts > img->exit_ts && img->key != r->image_ts)
        img = NULL;            /* that process is gone: this is another one */
    if (!img) {
        uint64_t first = r->image_ts != REC_IMAGE_OLDER && r->image_ts < ts ? r->image_ts : ts;
        img = begin(m, r->tgid, PIMG_SEEN, r->image_ts, first);
    } else if (img->key == r->image_ts) {
        /* the image it was asked about */
    } else if (img->key == REC_IMAGE_OLDER && !img->described) {
        /* a placeholder a request made: now we know which image it was */
        img->key = r->image_ts;
        if (r->image_ts != REC_IMAGE_OLDER && r->image_ts < img->first_ts)
            img->first_ts = r->image_ts;
    } else if (img->key < r->image_ts) {
        /* It began after the image we know, by an exec or a fork the
         * recorder was not told about (the process was of no interest
         * then): a row of its own, its origin unknown. */
        img = begin(m, r->tgid, PIMG_SEEN, r->image_ts, r->image_ts < ts ? r->image_ts : ts);
    } else {
        return;                /* read before the image we know began: stale */
    }
    if (img)
        describe(m, img, r, comm, cmdline, ts);
}

/* ---- events ------------------------------------------------------------------- */

static void forget_gone(struct pmodel *m, uint64_t now)
{
    while (m->gone_n) {
        struct pimage *img = m->gone[m->gone_head];
        if (img->exited && img->exit_ts + GONE_KEEP_NS > now)
            break;
        if (img->exited && cur_get(m, img->pid) == img)
            cur_del(m, img->pid);
        img_unref(img);
        m->gone_head = (m->gone_head + 1) % m->gone_cap;
        m->gone_n--;
    }
}

static void remember_gone(struct pmodel *m, struct pimage *img)
{
    if (m->gone_n == m->gone_cap) {
        size_t cap = m->gone_cap ? 2 * m->gone_cap : 64;
        struct pimage **g = malloc(cap * sizeof *g);
        if (!g)
            return;            /* it stays in `cur` until its pid is reused */
        for (size_t i = 0; i < m->gone_n; i++)
            g[i] = m->gone[(m->gone_head + i) % m->gone_cap];
        free(m->gone);
        m->gone = g;
        m->gone_head = 0;
        m->gone_cap = cap;
    }
    m->gone[(m->gone_head + m->gone_n++) % m->gone_cap] = img_ref(img);
}

static void on_fork_event(struct pmodel *m, const struct rec_pevent_rec *e, uint64_t ts)
{
    if (e->pid != e->tgid) {
        rmap_put(&m->threads, e->pid, e->tgid);
        return;
    }
    rmap_del(&m->threads, e->pid, NULL);   /* a recycled thread id */
    struct pimage *parent = cur_get(m, e->ptgid);
    if (parent && parent->exited && ts > parent->exit_ts)
        parent = NULL;
    if (!parent && e->ptgid)
        parent = begin(m, e->ptgid, PIMG_SEEN, REC_IMAGE_OLDER, ts);
    struct pimage *c = img_new(e->tgid, PIMG_FORK, ts, ts);
    if (!c) {
        m->rc = m->rc ? m->rc : 7;
        return;
    }
    c->ppid = e->ptgid;
    if (parent) {
        c->parent = img_ref(parent);
        c->tracked = parent->tracked;
        c->described = parent->described;
        set_str(&c->comm, parent->comm);
        set_str(&c->cmdline, parent->cmdline);
    }
    cur_set(m, e->tgid, c);
    if (c->tracked)
        materialize(m, c);
}

static void on_exec_event(struct pmodel *m, const struct rec_pevent_rec *e, uint64_t ts)
{
    struct pimage *old = cur_get(m, e->tgid);
    struct pimage *img = img_new(e->tgid, PIMG_EXEC, ts, ts);
    if (!img) {
        m->rc = m->rc ? m->rc : 7;
        return;
    }
    if (old) {
        /* An exec by a thread other than the leader ends the leader first:
         * its EXIT comes just before this EXEC, but the process lives on. */
        if (old->exited) {
            old->exited = false;
            old->exit_ts = 0;
            old->exit_status = 0;
            emit(m, old);
        }
        img->parent = img_ref(old->parent);
        img->ppid = old->ppid;
        img->replaced = img_ref(old);
        img->tracked = old->tracked;
        img->command = old->command;
        img->start_time = old->start_time;
    }
    bool had_row = old && old->row;
    cur_set(m, e->tgid, img);
    if (had_row || img->tracked)
        materialize(m, img);
}

static void on_exit_event(struct pmodel *m, const struct rec_pevent_rec *e, uint64_t ts)
{
    if (e->pid != e->tgid) {
        rmap_del(&m->threads, e->pid, NULL);
        return;
    }
    struct pimage *img = cur_get(m, e->tgid);
    if (!img || img->exited)
        return;
    img->exited = true;
    img->exit_ts = ts;
    img->exit_status = e->exit_status;
    emit(m, img);
    remember_gone(m, img);
}

static void on_comm(struct pmodel *m, const struct rec_pevent_rec *e)
{
    struct pimage *img = cur_get(m, e->tgid);
    if (!img || e->pid != e->tgid)
        return;
    char comm[sizeof e->comm + 1];
    memcpy(comm, e->comm, sizeof e->comm);
    comm[sizeof e->comm] = 0;
    set_str(&img->comm, comm);
    img->renamed = true;
    emit(m, img);
}

/* COMMAND's process and whatever it forked before we were told. */
static void on_command(struct pmodel *m, const struct rec_pevent_rec *e, uint64_t ts)
{
    struct pimage *img = cur_get(m, e->tgid);
    if (!img)
        img = begin(m, e->tgid, PIMG_SEEN, REC_IMAGE_OLDER, ts);
    if (!img)
        return;
    img->tracked = img->command = true;
    materialize(m, img);
    emit(m, img);
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&m->cur, &pos, &k, &v)) {
        struct pimage *c = (struct pimage *)(uintptr_t)v;
        int depth = 0;
        for (struct pimage *a = c->parent; a && depth < 256; a = a->parent, depth++) {
            if (a->command) {
                c->tracked = true;
                materialize(m, c);
                break;
            }
        }
    }
}

void pm_event(struct pmodel *m, const struct rec_pevent_rec *e, uint64_t ts)
{
    forget_gone(m, ts);
    switch (e->kind) {
    case REC_PROC_FORK:    on_fork_event(m, e, ts); break;
    case REC_PROC_EXEC:    on_exec_event(m, e, ts); break;
    case REC_PROC_EXIT:    on_exit_event(m, e, ts); break;
    case REC_PROC_COMM:    on_comm(m, e); break;
    case REC_PROC_COMMAND: on_command(m, e, ts); break;
    default: break;
    }
}

int64_t pm_request(struct pmodel *m, uint32_t tid, uint64_t ts)
{
    if (!tid)
        return 0;
    uint64_t v;
    uint32_t tgid = rmap_get(&m->threads, tid, &v) ? (uint32_t)v : tid;
    struct pimage *img = cur_get(m, tgid);
    if (!img || (img->exited && ts > img->exit_ts)) {
        /* Not described yet (a process older than the recording, or one the
         * connector did not report): a row now, its identity later. */
        img = begin(m, tgid, PIMG_SEEN, REC_IMAGE_OLDER, ts);
        if (!img)
            return 0;
    }
    materialize(m, img);
    return img->row;
}

/* ---- lifecycle ---------------------------------------------------------------- */

void pm_init(struct pmodel *m, pm_emit_fn emit_fn, void *ctx)
{
    memset(m, 0, sizeof *m);
    m->next_row = 1;
    m->emit = emit_fn;
    m->ctx = ctx;
}

void pm_free(struct pmodel *m)
{
    while (m->gone_n) {
        img_unref(m->gone[m->gone_head]);
        m->gone_head = (m->gone_head + 1) % m->gone_cap;
        m->gone_n--;
    }
    free(m->gone);
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&m->cur, &pos, &k, &v))
        img_unref((struct pimage *)(uintptr_t)v);
    rmap_free(&m->cur);
    rmap_free(&m->threads);
    memset(m, 0, sizeof *m);
}

bool pm_check(const struct pmodel *m)
{
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&m->cur, &pos, &k, &v)) {
        const struct pimage *img = (const struct pimage *)(uintptr_t)v;
        if (img->refs < 1 || img->row >= m->next_row || img->row < 0) {
            fprintf(stderr, "rec_process: image of pid %u: refs %d, row %lld\n", img->pid,
                    img->refs, (long long)img->row);
            return false;
        }
        for (const struct pimage *p = img; p && p->row; p = p->parent)
            if ((p->parent && !p->parent->row) || (p->replaced && !p->replaced->row)) {
                fprintf(stderr, "rec_process: row %lld refers to an image without a row\n",
                        (long long)p->row);
                return false;
            }
    }
    return true;
}

/* ---- /proc/PID/stat ------------------------------------------------------------ */

int64_t proc_parse_starttime(const char *stat, size_t len)
{
    /* "pid (comm) state ppid ..." — comm is arbitrary, so start after the
     * last ')'; starttime is then the 20th field (22 - 2). */
    const char *close_paren = NULL;
    for (size_t i = 0; i < len; i++)
        if (stat[i] == ')')
            close_paren = stat + i;
    if (!close_paren)
        return -1;
    const char *p = close_paren + 1, *end = stat + len;
    for (int field = 3; field <= 22; field++) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            return -1;
        if (field == 22) {
            int64_t v = 0;
            bool any = false;
            while (p < end && *p >= '0' && *p <= '9') {
                v = v * 10 + (*p - '0');
                any = true;
                p++;
            }
            return any ? v : -1;
        }
        while (p < end && *p != ' ')
            p++;
    }
    return -1;
}
