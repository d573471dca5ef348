/* gendb.c — fusetrace-gendb: write a synthetic but schema-valid recording.
 *
 * The viewer's scale targets (first screen < 1 s, keys < 100 ms, RSS <
 * 200 MB on 10 M requests) need a big recording on demand; a real workload
 * of that size takes far too long to record in a test.  The database is
 * created with the schema compiled into the binary (the schemas/ .sql files), so it is
 * exactly what the recorder writes.  The workload is a simple model of a
 * build: processes stat, open/read, create/write, list and unlink files in a
 * two-level tree; the kernel's dentry cache is an LRU of live nodeids that
 * FORGETs the oldest entries; a few percent of lookups fail with ENOENT and
 * a fraction of a percent of requests are slow.  Four workers overlap, so
 * requests are in flight across each other.
 *
 * Speed: multi-row INSERTs (64 rows per statement), one transaction per
 * 100 k requests, secondary indexes built at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema_sql.h"
#include "schemas/db_format.h"

#define ROWS_PER_STMT 64

/* ---- multi-row insert helper ------------------------------------------- */

struct ins {
    sqlite3 *db;
    const char *head;          /* "INSERT INTO t(a,b,c)" */
    int ncols;
    sqlite3_stmt *multi;
    int row, col;              /* position of the next value */
    long long rows;
};

_Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fusetrace-gendb: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static sqlite3_stmt *prep_rows(sqlite3 *db, const char *head, int ncols, int nrows)
{
    size_t cap = strlen(head) + 16 + (size_t)nrows * ((size_t)ncols * 2 + 4);
    char *sql = malloc(cap), *p = sql;
    if (!sql)
        die("out of memory");
    p += sprintf(p, "%s VALUES ", head);
    for (int r = 0; r < nrows; r++) {
        *p++ = r ? ',' : ' ';
        *p++ = '(';
        for (int c = 0; c < ncols; c++) {
            if (c)
                *p++ = ',';
            *p++ = '?';
        }
        *p++ = ')';
    }
    *p = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die("prepare %s: %s", head, sqlite3_errmsg(db));
    free(sql);
    return st;
}

static void ins_init(struct ins *in, sqlite3 *db, const char *head, int ncols)
{
    memset(in, 0, sizeof *in);
    in->db = db;
    in->head = head;
    in->ncols = ncols;
    in->multi = prep_rows(db, head, ncols, ROWS_PER_STMT);
}

static int ins_idx(struct ins *in)
{
    return in->row * in->ncols + in->col++ + 1;
}

static void ins_int(struct ins *in, int64_t v) { sqlite3_bind_int64(in->multi, ins_idx(in), v); }
static void ins_null(struct ins *in) { sqlite3_bind_null(in->multi, ins_idx(in)); }
static void ins_text(struct ins *in, const char *s)
{
    int i = ins_idx(in);
    if (s)
        sqlite3_bind_text(in->multi, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(in->multi, i);
}

static void ins_end_row(struct ins *in)
{
    if (in->col != in->ncols)
        die("internal: %s row has %d of %d columns", in->head, in->col, in->ncols);
    in->col = 0;
    in->rows++;
    if (++in->row == ROWS_PER_STMT) {
        if (sqlite3_step(in->multi) != SQLITE_DONE)
            die("insert %s: %s", in->head, sqlite3_errmsg(in->db));
        sqlite3_reset(in->multi);
        in->row = 0;
    }
}

/* Flush a partial statement.  Bound parameters cannot be read back, but
 * sqlite3_expanded_sql() renders them as literals, so the first in->row
 * "(...)" groups of the expanded text are exactly the pending rows. */
static void ins_flush(struct ins *in)
{
    if (!in->row)
        return;
    /* Expanded SQL carries every bound value as a literal, so running the
     * first in->row rows of it is exact. */
    char *full = sqlite3_expanded_sql(in->multi);
    if (!full)
        die("out of memory expanding %s", in->head);
    /* Cut after the in->row-th "(...)" group at top level. */
    char *p = strstr(full, " VALUES ");
    if (!p)
        die("internal: no VALUES in %s", in->head);
    p += 8;
    int depth = 0, groups = 0;
    bool quoted = false;
    for (; *p; p++) {
        if (quoted) {
            if (*p == '\'') {
                if (p[1] == '\'')
                    p++;
                else
                    quoted = false;
            }
            continue;
        }
        if (*p == '\'')
            quoted = true;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0 && ++groups == in->row) {
            p[1] = 0;
            break;
        }
    }
    char *err = NULL;
    if (sqlite3_exec(in->db, full, NULL, NULL, &err) != SQLITE_OK)
        die("insert tail %s: %s", in->head, err);
    sqlite3_free(full);
    in->row = 0;
}

static void ins_free(struct ins *in)
{
    ins_flush(in);
    sqlite3_finalize(in->multi);
}

/* ---- deterministic randomness ------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    /* xorshift64*: fast, good enough for a workload model */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static double rnd01(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static uint64_t rnd_n(uint64_t n) { return n ? rnd() % n : 0; }

/* Latency: a log-normal body around 30 us plus a rare slow tail. */
static int64_t latency_ns(int opcode)
{
    double u1 = rnd01() + 1e-12, u2 = rnd01();
    double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
    double base = opcode == 15 || opcode == 16 ? 60e3 : opcode == 44 ? 120e3 : 25e3;
    double v = base * exp(0.6 * z);
    if (rnd_n(10000) < 15)
        v = 1e6 + rnd01() * 19e6;       /* 0.15 %: 1..20 ms */
    return (int64_t)v + 2000;
}

/* ---- workload model ----------------------------------------------------- */

#define NDIRS 400
#define FILES_PER_DIR 250
#define NFILES (NDIRS * FILES_PER_DIR)

struct node {
    int64_t nodeid;            /* 0 = not in the kernel's cache */
    int64_t nlookup;
    int lru_prev, lru_next;    /* live files only */
};

struct proc {
    int64_t id, pid, parent_id;    /* parent_id 0: none */
    const char *comm, *cmdline;
};

/* COMMAND (make) and what it ran: sh ran cat. */
static const struct proc procs[] = {
    { 1, 4242, 0, "make", "make -j2" },
    { 2, 4250, 1, "cc1", "cc1 -quiet main.c" },
    { 3, 4251, 1, "cc1", "cc1 -quiet util.c" },
    { 4, 4260, 1, "ld", "ld -o app main.o util.o" },
    { 5, 4270, 1, "sh", "sh -c ls -l" },
    { 6, 4280, 5, "cat", "cat README" },
};
#define NPROCS ((int)(sizeof procs / sizeof *procs))

struct gen {
    sqlite3 *db;
    struct ins req, rep, iev, fev, bc, ino, fgt, dir, pth, ks, ke;
    bool kernel;               /* --kernel: the kernel's side too */
    int64_t n_target, n_req;
    int64_t ts, unique, ie_id, fe_id, bc_id, fg_id, de_id, next_nodeid, next_fh;
    struct node dirs[NDIRS];
    struct node *files;
    int lru_head, lru_tail, live_files, live_cap;
    bool odd_names;
    int64_t worker_free[4];    /* ts at which each worker is free */
};

static void file_name(const struct gen *g, int f, char *buf, size_t len)
{
    int k = f % FILES_PER_DIR;
    /* A few names exercise the renderer: UTF-8 always, control characters
     * and invalid UTF-8 only with --odd-names. */
    if (k == 7)
        snprintf(buf, len, "données_%d.txt", f);
    else if (k == 8)
        snprintf(buf, len, "日本語_%d.md", f);
    else if (g->odd_names && k == 9)
        snprintf(buf, len, "evil\x1b[31mRED\x1b[0m\t%d\x07", f);
    else if (g->odd_names && k == 10)
        snprintf(buf, len, "bad\xff\xfe%d\nline", f);
    else
        snprintf(buf, len, "file_%04d.%s", k, k % 3 ? "c" : "o");
}

static void dir_name(int d, char *buf, size_t len) { snprintf(buf, len, "mod%03d", d); }

static const char *call_names[] = { "openat", "pread64", "pwrite64", "fstatat", "name_to_handle_at",
                                    "close", "getdents64", "unlinkat", "fsync", "open_by_handle_at" };

/* One request: request row, reply row (unless FORGET), one backing call.
 * Returns the request's unique; *rts gets the reply time. */
struct rq {
    int opcode;
    int64_t nodeid;
    const char *name;
    int64_t fh, offset, size, flags, mode, nlookup;
    int err;
    int64_t r_nodeid, r_fh, r_bytes, r_size;
    int call;                  /* index in call_names, -1 none */
};

static int64_t emit(struct gen *g, const struct proc *p, struct rq *q, int64_t *rts, int64_t *tidp)
{
    g->ts += 15000 + (int64_t)rnd_n(50000);
    int64_t id = ++g->n_req, uq = (g->unique += 2), ts = g->ts;
    int w = 0;
    for (int i = 1; i < 4; i++)
        if (g->worker_free[i] < g->worker_free[w])
            w = i;
    int64_t tid = 1 + w;       /* thread.id of worker tid 7001 + w (schema 2) */
    int64_t lat = q->opcode == 2 ? 0 : latency_ns(q->opcode);
    int64_t start = ts > g->worker_free[w] ? ts : g->worker_free[w];
    int64_t reply_ts = start + lat;
    g->worker_free[w] = reply_ts;
    *rts = reply_ts;
    *tidp = tid;

    struct ins *r = &g->req;
    ins_int(r, id); ins_int(r, ts); ins_int(r, uq); ins_int(r, q->opcode); ins_int(r, q->nodeid);
    ins_int(r, 1000); ins_int(r, 1000); ins_int(r, p->pid); ins_int(r, p->id); ins_int(r, tid);
    ins_int(r, 40 + (q->name ? (int64_t)strlen(q->name) + 1 : 0));
    /* path ids here are node ids (new_inode_row writes both) */
    if (q->nodeid) ins_int(r, q->nodeid); else ins_null(r);
    ins_text(r, q->name);
    if (q->fh) ins_int(r, q->fh); else ins_null(r);
    if (q->opcode == 15 || q->opcode == 16) { ins_int(r, q->offset); ins_int(r, q->size); }
    else { ins_null(r); ins_null(r); }
    if (q->flags >= 0) ins_int(r, q->flags); else ins_null(r);
    if (q->mode) ins_int(r, q->mode); else ins_null(r);
    if (q->opcode == 2) ins_int(r, q->nlookup); else ins_null(r);
    ins_end_row(r);

    if (q->opcode != 2) {
        struct ins *y = &g->rep;
        ins_int(y, uq); ins_int(y, reply_ts); ins_int(y, tid); ins_int(y, q->opcode);
        ins_int(y, q->err); ins_int(y, q->err ? 16 : 16 + 128);
        if (q->r_nodeid) { ins_int(y, q->r_nodeid); ins_int(y, 0); } else { ins_null(y); ins_null(y); }
        if (!q->err && (q->opcode == 1 || q->opcode == 3 || q->opcode == 35)) {
            ins_int(y, q->opcode == 1 && !q->r_size ? 040755 : 0100644);
            ins_int(y, q->r_size); ins_int(y, q->r_nodeid ? q->r_nodeid + 1000000 : q->nodeid + 1000000);
        } else { ins_null(y); ins_null(y); ins_null(y); }
        if (q->r_fh) { ins_int(y, q->r_fh); ins_int(y, 0); } else { ins_null(y); ins_null(y); }
        if (q->opcode == 15 || q->opcode == 16) ins_int(y, q->r_bytes); else ins_null(y);
        ins_end_row(y);
    }
    if (g->kernel && q->opcode != 2) {
        /* The kernel queued it a little before a worker read it, and the
         * caller woke a little after the reply. */
        struct ins *k = &g->ks;
        ins_int(k, uq); ins_int(k, ts - 1000 - (int64_t)rnd_n(20000)); ins_int(k, q->opcode);
        ins_int(k, 40); ins_int(k, p->pid);
        ins_end_row(k);
        struct ins *e = &g->ke;
        ins_int(e, uq); ins_int(e, reply_ts + 1000 + (int64_t)rnd_n(3000)); ins_int(e, 16);
        ins_int(e, q->err);
        ins_end_row(e);
    }
    if (q->call >= 0) {
        struct ins *b = &g->bc;
        int64_t dur = lat * (30 + (int64_t)rnd_n(50)) / 100;
        ins_int(b, ++g->bc_id); ins_int(b, start + (lat - dur) / 2); ins_int(b, uq); ins_int(b, tid);
        ins_int(b, q->call + 1);
        if (q->fh) ins_int(b, 10 + q->fh % 200); else ins_int(b, -1);
        ins_int(b, q->size);
        ins_text(b, q->name);
        ins_int(b, q->err ? -1 : q->opcode == 15 || q->opcode == 16 ? q->r_bytes : 0);
        ins_int(b, q->err); ins_int(b, dur);
        ins_end_row(b);
    }
    return uq;
}

static void inode_ev(struct gen *g, int64_t ts, int64_t uq, int64_t tid, int kind, int cause, int64_t nodeid,
                     int64_t parent, const char *name, int64_t delta, int64_t nlookup, int64_t fd)
{
    struct ins *e = &g->iev;
    ins_int(e, ++g->ie_id); ins_int(e, ts); ins_int(e, uq); ins_int(e, tid); ins_int(e, kind);
    ins_int(e, cause); ins_int(e, nodeid);
    if (kind == 0) { ins_int(e, parent); ins_text(e, name); ins_int(e, 2049); ins_int(e, nodeid + 1000000); ins_int(e, 25); }
    else { ins_null(e); ins_null(e); ins_null(e); ins_null(e); ins_null(e); }
    if (kind == 1 || kind == 2) ins_int(e, delta); else ins_null(e);
    if (kind <= 3) ins_int(e, nlookup); else ins_null(e);
    ins_null(e);
    if (fd >= 0) ins_int(e, fd); else ins_null(e);
    if (kind == 4) ins_int(e, 1); else ins_null(e);
    ins_end_row(e);
}

static void fh_ev(struct gen *g, int64_t ts, int64_t uq, int64_t tid, int kind, int64_t fh, int64_t nodeid,
                  int64_t flags, bool created)
{
    struct ins *e = &g->fev;
    ins_int(e, ++g->fe_id); ins_int(e, ts); ins_int(e, uq); ins_int(e, tid); ins_int(e, kind);
    ins_int(e, fh); ins_int(e, nodeid); ins_int(e, flags); ins_int(e, 10 + fh % 200); ins_int(e, created);
    ins_end_row(e);
}

static void lru_unlink(struct gen *g, int f)
{
    struct node *n = &g->files[f];
    if (n->lru_prev >= 0) g->files[n->lru_prev].lru_next = n->lru_next; else g->lru_head = n->lru_next;
    if (n->lru_next >= 0) g->files[n->lru_next].lru_prev = n->lru_prev; else g->lru_tail = n->lru_prev;
    n->lru_prev = n->lru_next = -1;
}

static void lru_push(struct gen *g, int f)
{
    struct node *n = &g->files[f];
    n->lru_prev = g->lru_tail;
    n->lru_next = -1;
    if (g->lru_tail >= 0) g->files[g->lru_tail].lru_next = f; else g->lru_head = f;
    g->lru_tail = f;
}

/* The kernel drops the oldest dentry: FORGET with its whole nlookup. */
static void forget_one(struct gen *g)
{
    int f = g->lru_head;
    if (f < 0)
        return;
    struct node *n = &g->files[f];
    struct rq q = { .opcode = 2, .nodeid = n->nodeid, .flags = -1, .nlookup = n->nlookup, .call = -1 };
    int64_t rts, tid;
    int64_t uq = emit(g, &procs[0], &q, &rts, &tid);
    int64_t t = g->ts + 1500;
    inode_ev(g, t, uq, tid, 2, 8, n->nodeid, 0, NULL, n->nlookup, 0, -1);
    inode_ev(g, t + 300, uq, tid, 3, 8, n->nodeid, 0, NULL, 0, 0, -1);
    struct ins *e = &g->fgt;
    ins_int(e, ++g->fg_id); ins_int(e, g->ts); ins_int(e, uq); ins_int(e, n->nodeid); ins_int(e, n->nlookup);
    ins_end_row(e);
    lru_unlink(g, f);
    n->nodeid = 0;
    n->nlookup = 0;
    g->live_files--;
}

static void new_inode_row(struct gen *g, int64_t nodeid, int64_t ts, int64_t parent, const char *name,
                          const char *path)
{
    struct ins *e = &g->ino;
    ins_int(e, nodeid); ins_int(e, ts); ins_int(e, parent); ins_text(e, name); ins_text(e, path);
    ins_int(e, 2049); ins_int(e, nodeid + 1000000);
    ins_end_row(e);
    struct ins *p = &g->pth;
    ins_int(p, nodeid);
    if (parent) ins_int(p, parent); else ins_null(p);
    ins_text(p, path);
    ins_end_row(p);
}

/* LOOKUP of a directory under the root; directories stay cached. */
static int64_t lookup_dir(struct gen *g, const struct proc *p, int d)
{
    struct node *n = &g->dirs[d];
    char name[64], path[80];
    dir_name(d, name, sizeof name);
    snprintf(path, sizeof path, "/%s", name);
    bool fresh = !n->nodeid;
    int64_t nodeid = fresh ? g->next_nodeid++ : n->nodeid;
    struct rq q = { .opcode = 1, .nodeid = 1, .name = name, .flags = -1, .r_nodeid = nodeid, .call = 3 };
    int64_t rts, tid;
    int64_t uq = emit(g, p, &q, &rts, &tid);
    int64_t t = rts - 1000;
    n->nlookup++;
    if (fresh) {
        n->nodeid = nodeid;
        new_inode_row(g, nodeid, t, 1, name, path);
        inode_ev(g, t, uq, tid, 0, 1, nodeid, 1, name, 0, 1, -1);
        inode_ev(g, t + 100, uq, tid, 4, 1, nodeid, 0, NULL, 0, 0, -1);
    } else {
        inode_ev(g, t, uq, tid, 1, 1, nodeid, 0, NULL, 1, n->nlookup, -1);
    }
    return nodeid;
}

/* LOOKUP of a file; ENOENT for ~1 in 16 names that "do not exist". */
static int64_t lookup_file(struct gen *g, const struct proc *p, int f, bool *missing)
{
    int d = f / FILES_PER_DIR;
    int64_t dnode = g->dirs[d].nodeid ? g->dirs[d].nodeid : lookup_dir(g, p, d);
    char name[96], path[224], dname[64];
    file_name(g, f, name, sizeof name);
    dir_name(d, dname, sizeof dname);
    snprintf(path, sizeof path, "/%s/%s", dname, name);
    struct node *n = &g->files[f];
    *missing = (f * 2654435761u) % 16 == 3;
    struct rq q = { .opcode = 1, .nodeid = dnode, .name = name, .flags = -1, .call = 3 };
    if (*missing) {
        q.err = ENOENT;
        int64_t rts, tid;
        emit(g, p, &q, &rts, &tid);
        return 0;
    }
    bool fresh = !n->nodeid;
    int64_t nodeid = fresh ? g->next_nodeid++ : n->nodeid;
    q.r_nodeid = nodeid;
    q.r_size = 1000 + f % 50000;
    int64_t rts, tid;
    int64_t uq = emit(g, p, &q, &rts, &tid);
    int64_t t = rts - 1000;
    n->nlookup++;
    if (fresh) {
        while (g->live_files >= g->live_cap)
            forget_one(g);
        n->nodeid = nodeid;
        g->live_files++;
        new_inode_row(g, nodeid, t, dnode, name, path);
        inode_ev(g, t, uq, tid, 0, 1, nodeid, dnode, name, 0, 1, -1);
        if (f % 97 == 5)       /* a name on a filesystem without handles: pinned O_PATH fd */
            inode_ev(g, t + 100, uq, tid, 5, 1, nodeid, 0, NULL, 0, 0, 300 + f % 500);
        else
            inode_ev(g, t + 100, uq, tid, 4, 1, nodeid, 0, NULL, 0, 0, -1);
    } else {
        lru_unlink(g, f);
        inode_ev(g, t, uq, tid, 1, 1, nodeid, 0, NULL, 1, n->nlookup, -1);
    }
    lru_push(g, f);
    return nodeid;
}

static void simple(struct gen *g, const struct proc *p, int opcode, int64_t nodeid, int64_t fh, int call)
{
    struct rq q = { .opcode = opcode, .nodeid = nodeid, .fh = fh, .flags = -1, .call = call };
    int64_t rts, tid;
    emit(g, p, &q, &rts, &tid);
}

static void action(struct gen *g)
{
    const struct proc *p = &procs[rnd_n(NPROCS)];
    /* Locality: most accesses go to a hot subset, like a build's headers. */
    int f = rnd_n(10) < 7 ? (int)rnd_n(NFILES / 20) * 20 % NFILES + (int)rnd_n(20) : (int)rnd_n(NFILES);
    bool missing;
    int64_t nodeid = lookup_file(g, p, f, &missing);
    if (missing || g->n_req >= g->n_target)
        return;
    int kind = (int)rnd_n(100);
    int64_t rts, tid;
    if (kind < 30) {                              /* stat */
        simple(g, p, 3, nodeid, 0, 3);
    } else if (kind < 75) {                       /* open, read, close */
        int64_t fh = g->next_fh++;
        struct rq o = { .opcode = 14, .nodeid = nodeid, .flags = 0100000, .r_fh = fh, .call = 0 };
        if (f % 211 == 17) o.err = EACCES, o.r_fh = 0;
        int64_t uq = emit(g, p, &o, &rts, &tid);
        if (o.err)
            return;
        fh_ev(g, rts - 500, uq, tid, 0, fh, nodeid, 0100000, false);
        int reads = 1 + (int)rnd_n(4);
        for (int i = 0; i < reads && g->n_req < g->n_target; i++) {
            struct rq r = { .opcode = 15, .nodeid = nodeid, .fh = fh, .offset = i * 131072, .size = 131072,
                            .flags = -1, .r_bytes = i + 1 < reads ? 131072 : (int64_t)rnd_n(131072), .call = 1 };
            emit(g, p, &r, &rts, &tid);
        }
        simple(g, p, 25, nodeid, fh, -1);
        struct rq c = { .opcode = 18, .nodeid = nodeid, .fh = fh, .flags = 0100000, .call = 5 };
        uq = emit(g, p, &c, &rts, &tid);
        fh_ev(g, rts - 500, uq, tid, 2, fh, nodeid, 0100000, false);
    } else if (kind < 85) {                       /* create + write */
        int64_t fh = g->next_fh++;
        int d = f / FILES_PER_DIR;
        char name[64];
        snprintf(name, sizeof name, "tmp_%lld.o", (long long)g->n_req);
        int64_t nn = g->next_nodeid++;
        struct rq c = { .opcode = 35, .nodeid = g->dirs[d].nodeid, .name = name, .flags = 0101101,
                        .mode = 0100644, .r_nodeid = nn, .r_fh = fh, .call = 0 };
        int64_t uq = emit(g, p, &c, &rts, &tid);
        char dname[64], path[224];
        dir_name(d, dname, sizeof dname);
        snprintf(path, sizeof path, "/%s/%s", dname, name);
        new_inode_row(g, nn, rts - 1000, g->dirs[d].nodeid, name, path);
        inode_ev(g, rts - 1000, uq, tid, 0, 3, nn, g->dirs[d].nodeid, name, 0, 1, -1);
        inode_ev(g, rts - 900, uq, tid, 4, 3, nn, 0, NULL, 0, 0, -1);
        fh_ev(g, rts - 800, uq, tid, 1, fh, nn, 0101101, true);
        int writes = 1 + (int)rnd_n(3);
        for (int i = 0; i < writes && g->n_req < g->n_target; i++) {
            struct rq w = { .opcode = 16, .nodeid = nn, .fh = fh, .offset = i * 65536, .size = 65536,
                            .flags = -1, .r_bytes = 65536, .call = 2 };
            emit(g, p, &w, &rts, &tid);
        }
        struct rq r = { .opcode = 18, .nodeid = nn, .fh = fh, .flags = 0101101, .call = 5 };
        uq = emit(g, p, &r, &rts, &tid);
        fh_ev(g, rts - 500, uq, tid, 2, fh, nn, 0101101, false);
        /* The kernel forgets the temporary at once (unlinked by the build). */
        struct rq u = { .opcode = 10, .nodeid = g->dirs[d].nodeid, .name = name, .flags = -1, .call = 7 };
        emit(g, p, &u, &rts, &tid);
        struct rq fg = { .opcode = 2, .nodeid = nn, .flags = -1, .nlookup = 1, .call = -1 };
        uq = emit(g, p, &fg, &rts, &tid);
        inode_ev(g, g->ts + 1500, uq, tid, 2, 8, nn, 0, NULL, 1, 0, -1);
        inode_ev(g, g->ts + 1800, uq, tid, 3, 8, nn, 0, NULL, 0, 0, -1);
    } else if (kind < 92) {                       /* list the directory */
        int d = f / FILES_PER_DIR;
        int64_t fh = g->next_fh++, dn = g->dirs[d].nodeid;
        struct rq o = { .opcode = 27, .nodeid = dn, .flags = 0200000, .r_fh = fh, .call = 0 };
        int64_t uq = emit(g, p, &o, &rts, &tid);
        fh_ev(g, rts - 500, uq, tid, 3, fh, dn, 0200000, false);
        struct rq r = { .opcode = 28, .nodeid = dn, .fh = fh, .size = 4096, .flags = -1, .call = 6 };
        uq = emit(g, p, &r, &rts, &tid);
        for (int i = 0; i < 3; i++) {
            struct ins *e = &g->dir;
            char nm[96];
            file_name(g, d * FILES_PER_DIR + i, nm, sizeof nm);
            ins_int(e, ++g->de_id); ins_int(e, uq); ins_int(e, 0); ins_text(e, nm);
            ins_end_row(e);
        }
        struct rq c = { .opcode = 29, .nodeid = dn, .fh = fh, .flags = 0200000, .call = 5 };
        uq = emit(g, p, &c, &rts, &tid);
        fh_ev(g, rts - 500, uq, tid, 4, fh, dn, 0200000, false);
    } else if (kind < 96) {                       /* getxattr: ENODATA */
        struct rq x = { .opcode = 22, .nodeid = nodeid, .name = "security.capability", .size = 0,
                        .flags = -1, .err = ENODATA, .call = 3 };
        emit(g, p, &x, &rts, &tid);
    } else {                                      /* access, statfs */
        simple(g, p, kind & 1 ? 34 : 17, kind & 1 ? nodeid : 1, 0, 3);
    }
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        die("%s: %s", sql[0] == '-' ? "schema" : sql, err ? err : "?");
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: fusetrace-gendb [OPTIONS] OUT.db\n"
            "Write a synthetic, schema-valid fusetrace recording.\n\n"
            "  -n, --requests N     number of requests (default 10000000)\n"
            "      --seed N         random seed (default 1)\n"
            "      --status S       session status: complete (default), incomplete, recording\n"
            "      --lost N         events_lost in the session row (default 0)\n"
            "      --odd-names      include names with control characters and invalid UTF-8\n"
            "      --no-indexes     skip schemas/indexes.sql (like a killed recorder)\n"
            "      --kernel         also the kernel's side (kernel_send, kernel_end) of every request\n"
            "      --live N         after the bulk, append N more requests over ~N/100 s, committing\n"
            "                       every 50 ms with status 'recording' (a live recording to follow)\n"
            "  -q, --quiet          no progress output\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "requests", required_argument, 0, 'n' }, { "seed", required_argument, 0, 's' },
        { "status", required_argument, 0, 'S' },   { "lost", required_argument, 0, 'L' },
        { "odd-names", no_argument, 0, 'O' },      { "no-indexes", no_argument, 0, 'I' },
        { "live", required_argument, 0, 'V' },     { "quiet", no_argument, 0, 'q' },
        { "kernel", no_argument, 0, 'K' },
        { "help", no_argument, 0, 'h' },           { 0, 0, 0, 0 },
    };
    int64_t n = 10000000, lost = 0, live = 0;
    uint64_t seed = 1;
    const char *status = "complete";
    bool odd = false, indexes = true, quiet = false, kernel = false;
    int c;
    while ((c = getopt_long(argc, argv, "n:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'n': n = strtoll(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'S': status = optarg; break;
        case 'L': lost = strtoll(optarg, NULL, 10); break;
        case 'O': odd = true; break;
        case 'I': indexes = false; break;
        case 'V': live = strtoll(optarg, NULL, 10); break;
        case 'q': quiet = true; break;
        case 'K': kernel = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc || n < 1 ||
        (strcmp(status, "complete") && strcmp(status, "incomplete") && strcmp(status, "recording"))) {
        usage(stderr);
        return 2;
    }
    const char *out = argv[optind];
    if (unlink(out) && errno != ENOENT)
        die("cannot replace %s: %s", out, strerror(errno));
    char side[4096];
    snprintf(side, sizeof side, "%s-wal", out);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", out);
    unlink(side);

    struct gen *g = calloc(1, sizeof *g);
    if (!g)
        die("out of memory");
    g->files = calloc(NFILES, sizeof *g->files);
    if (!g->files)
        die("out of memory");
    for (int i = 0; i < NFILES; i++)
        g->files[i].lru_prev = g->files[i].lru_next = -1;
    g->lru_head = g->lru_tail = -1;
    g->live_cap = 20000;
    g->odd_names = odd;
    g->kernel = kernel;
    g->n_target = n;
    g->next_nodeid = 2;
    g->next_fh = 1;
    g->unique = 0;
    rng_state ^= seed * 0x2545F4914F6CDD1Dull;
    if (!rng_state)
        rng_state = 1;

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (sqlite3_open(out, &g->db) != SQLITE_OK)
        die("cannot create %s: %s", out, sqlite3_errmsg(g->db));
    sqlite3 *db = g->db;
    exec_sql(db, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
                 "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY");
    exec_sql(db, schema_tables_sql);
    exec_sql(db, schema_lookup_sql);
    exec_sql(db, schema_views_sql);

    char *sql = sqlite3_mprintf(
        "INSERT INTO session(id,uuid,schema_version,status,incomplete_reason,start_realtime_ns,"
        "start_monotonic_ns,end_ts,recorder_pid,fusetrace_version,source,mountpoint,command,options,host,"
        "kernel,libfuse_version,capture_data,drop_mode,lttng,ring_bytes,proto_major,proto_minor,events_lost)"
        " VALUES (1,'00000000-0000-4000-8000-%012lld',%d,'recording',NULL,%lld,1000000000,NULL,%d,"
        "'gendb','/tmp/gendb-src','/tmp/gendb-src','make -j2','--db gendb','gendb','6.18','3.14.0',0,%d,0,"
        "1048576,7,39,%lld)",
        (long long)seed, FUSETRACE_SCHEMA_VERSION, (long long)1700000000000000000ll, (int)getpid(),
        lost ? 1 : 0, (long long)lost);
    exec_sql(db, sql);
    sqlite3_free(sql);
    if (kernel)
        exec_sql(db, "UPDATE session SET sides='daemon+kernel', kernel_connection=42");
    exec_sql(db, "INSERT INTO thread(id,tid) VALUES (1,7001),(2,7002),(3,7003),(4,7004)");
    exec_sql(db, "BEGIN");
    {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "INSERT INTO errno_name VALUES (?,?,?)", -1, &st, NULL);
        for (int e = 1; e < 134; e++) {
            const char *nm = strerrorname_np(e);
            if (!nm)
                continue;
            sqlite3_bind_int(st, 1, e);
            sqlite3_bind_text(st, 2, nm, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, strerror(e), -1, SQLITE_TRANSIENT);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        sqlite3_prepare_v2(db, "INSERT INTO call_name VALUES (?,?)", -1, &st, NULL);
        for (int i = 0; i < (int)(sizeof call_names / sizeof *call_names); i++) {
            sqlite3_bind_int(st, 1, i + 1);
            sqlite3_bind_text(st, 2, call_names[i], -1, SQLITE_STATIC);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        sqlite3_prepare_v2(db, "INSERT INTO process(id,pid,first_ts,comm,cmdline,parent_id,ppid,"
                               "origin,command) VALUES (?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
        for (int i = 0; i < NPROCS; i++) {
            const struct proc *pp = procs[i].parent_id ? &procs[procs[i].parent_id - 1] : NULL;
            sqlite3_bind_int64(st, 1, procs[i].id);
            sqlite3_bind_int64(st, 2, procs[i].pid);
            sqlite3_bind_int64(st, 3, i * 1000);
            sqlite3_bind_text(st, 4, procs[i].comm, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, procs[i].cmdline, -1, SQLITE_STATIC);
            if (pp) {
                sqlite3_bind_int64(st, 6, pp->id);
                sqlite3_bind_int64(st, 7, pp->pid);
                sqlite3_bind_text(st, 8, "exec", -1, SQLITE_STATIC);
            } else {
                sqlite3_bind_null(st, 6);
                sqlite3_bind_null(st, 7);
                sqlite3_bind_null(st, 8);
            }
            sqlite3_bind_int(st, 9, procs[i].id == 1);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    ins_init(&g->req, db, "INSERT INTO request(id,ts,unique_id,opcode,nodeid,uid,gid,pid,process_id,thread,len,"
                          "path_id,name,fh,offset,size,flags,mode,nlookup)", 19);
    ins_init(&g->pth, db, "INSERT INTO path(id,dir,path)", 3);
    ins_init(&g->rep, db, "INSERT INTO reply(unique_id,ts,thread,opcode,error,len,nodeid,generation,attr_mode,"
                          "attr_size,attr_ino,fh,open_flags,bytes)", 14);
    ins_init(&g->iev, db, "INSERT INTO inode_event(id,ts,unique_id,thread,kind,cause,nodeid,parent,name,dev,ino,"
                          "mnt_id,delta,nlookup,err,fd,handle_type)", 17);
    ins_init(&g->fev, db, "INSERT INTO fh_event(id,ts,unique_id,thread,kind,fh,nodeid,flags,fd,created)", 10);
    ins_init(&g->bc, db, "INSERT INTO backing_call(id,ts,unique_id,thread,call_id,fd,arg,name,result,err,dur_ns)",
             11);
    ins_init(&g->ino, db, "INSERT INTO inode(nodeid,ts,parent,name,path,dev,ino)", 7);
    ins_init(&g->fgt, db, "INSERT INTO forget(id,ts,unique_id,nodeid,nlookup)", 5);
    ins_init(&g->dir, db, "INSERT INTO dirent(id,unique_id,nodeid,name)", 4);
    ins_init(&g->ks, db, "INSERT INTO kernel_send(unique_id,ts,opcode,len,tid)", 5);
    ins_init(&g->ke, db, "INSERT INTO kernel_end(unique_id,ts,len,error)", 4);

    /* INIT first, the root inode as the shim registers it. */
    {
        struct rq q = { .opcode = 26, .nodeid = 0, .flags = 0, .call = -1 };
        int64_t rts, tid;
        emit(g, &procs[0], &q, &rts, &tid);
        new_inode_row(g, 1, rts, 0, "", "/");
        inode_ev(g, rts, 0, tid, 0, 0, 1, 0, "", 0, 1, -1);
    }
    int64_t next_commit = 100000, total = n + live;
    struct timespec tl;
    clock_gettime(CLOCK_MONOTONIC, &tl);
    int64_t live_start_req = n;
    int live_fd = -1;
    bool live_started = false;
    while (g->n_req < total) {
        if (g->n_req >= n && live && !live_started) {
            /* Bulk done: make it visible (commit, indexes) and go live. */
            live_started = true;
            ins_flush(&g->req); ins_flush(&g->rep); ins_flush(&g->iev); ins_flush(&g->fev);
            ins_flush(&g->bc); ins_flush(&g->ino); ins_flush(&g->fgt); ins_flush(&g->dir);
            ins_flush(&g->pth); ins_flush(&g->ks); ins_flush(&g->ke);
            exec_sql(db, "COMMIT");
            if (indexes)
                exec_sql(db, schema_indexes_sql);
            clock_gettime(CLOCK_MONOTONIC, &tl);
            /* Hold the recorder's liveness lock (db_format.h) like a real
             * recorder, so readers see a live recording, not a dead one. */
            live_fd = open(out, O_RDWR | O_CLOEXEC);
            struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
                                .l_start = FUSETRACE_LIVE_LOCK_OFFSET, .l_len = 1 };
            if (live_fd < 0 || fcntl(live_fd, F_OFD_SETLK, &fl) != 0)
                die("cannot take the liveness lock on %s: %s", out, strerror(errno));
            live_start_req = g->n_req;
            if (!quiet)
                fprintf(stderr, "\nfusetrace-gendb: live phase\n");
            puts("LIVE");
            fflush(stdout);
            exec_sql(db, "BEGIN");
        }
        if (g->n_req >= n && live) {
            /* Live phase: ~100 requests per second, committed every 50 ms. */
            g->n_target = total;
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double el = (double)(now.tv_sec - tl.tv_sec) + (double)(now.tv_nsec - tl.tv_nsec) / 1e9;
            if ((double)(g->n_req - live_start_req) > el * 100) {
                ins_flush(&g->req); ins_flush(&g->rep); ins_flush(&g->iev); ins_flush(&g->fev);
                ins_flush(&g->bc); ins_flush(&g->ino); ins_flush(&g->fgt); ins_flush(&g->dir);
            ins_flush(&g->pth); ins_flush(&g->ks); ins_flush(&g->ke);
                exec_sql(db, "COMMIT");
                usleep(50000);
                exec_sql(db, "BEGIN");
                continue;
            }
        }
        action(g);
        if (g->n_req >= next_commit) {
            next_commit += 100000;
            exec_sql(db, "COMMIT; BEGIN");
            if (!quiet) {
                fprintf(stderr, "\rfusetrace-gendb: %lld/%lld requests", (long long)g->n_req, (long long)total);
                fflush(stderr);
            }
        }
    }
    ins_free(&g->req); ins_free(&g->rep); ins_free(&g->iev); ins_free(&g->fev);
    ins_free(&g->bc); ins_free(&g->ino); ins_free(&g->fgt); ins_free(&g->dir);
    ins_free(&g->pth); ins_free(&g->ks); ins_free(&g->ke);
    sql = sqlite3_mprintf("UPDATE session SET status=%Q, incomplete_reason=%Q, end_ts=%lld, events_seen=%lld,"
                          " events_stored=%lld, requests_seen=%lld, replies_seen=%lld",
                          status, strcmp(status, "incomplete") ? NULL : "recorder killed (synthetic)",
                          (long long)g->ts + 1000000, (long long)(g->req.rows + g->rep.rows + g->iev.rows),
                          (long long)(g->req.rows + g->rep.rows + g->iev.rows), (long long)g->req.rows,
                          (long long)g->rep.rows);
    exec_sql(db, sql);
    sqlite3_free(sql);
    exec_sql(db, "COMMIT");
    if (!quiet)
        fprintf(stderr, "\rfusetrace-gendb: %lld requests; building indexes\n", (long long)g->n_req);
    if (indexes && !live)
        exec_sql(db, schema_indexes_sql);
    exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    /* Like the recorder's sink_finish(): a finished recording (complete or
     * marked incomplete) leaves WAL mode and is one self-contained file; a
     * killed one (status 'recording') stays in WAL mode. */
    if (strcmp(status, "recording"))
        exec_sql(db, "PRAGMA journal_mode=DELETE");
    sqlite3_close(db);
    if (live_fd >= 0)
        close(live_fd);        /* releases the liveness lock: the recording is over */
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!quiet)
        fprintf(stderr, "fusetrace-gendb: %s: %lld requests, %lld replies, %lld inode events, %lld fh events, "
                        "%lld backing calls in %.1f s\n",
                out, (long long)g->req.rows, (long long)g->rep.rows, (long long)g->iev.rows,
                (long long)g->fev.rows, (long long)g->bc.rows,
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    free(g->files);
    free(g);
    return 0;
}
