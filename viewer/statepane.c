/* statepane.c — the state at the cursor: the shim's inode table (most
 * recently changed first), the open file handles, and the requests in
 * flight: those a daemon thread (worker N) is serving and, with the
 * kernel's side recorded, those the kernel holds queued that no thread has
 * read yet, with the depth of that queue.  The state comes from
 * state_seek() and kqueue_at(); paths come from the `inode` table by
 * primary key, only for the rows on screen. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "schemas/db_format.h"
#include "viewer/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/text.h"

void state_update(struct app *a)
{
    const struct oprow *r = tl_cursor(a);
    if (!r) {
        a->work.ready = false;
        a->state_for_id = 0;
        return;
    }
    if (a->state_for_id == r->id && a->work.ready)
        return;
    if (state_seek(&a->idx, &a->work, &a->v, r->id, r->ts, r->unique))
        a->state_for_id = r->id;
    else
        a->state_for_id = 0;   /* retried when the builder gets there */
    a->kq_depth = kqueue_at(a->v.db, r->id, r->ts, a->kq, (int)(sizeof a->kq / sizeof *a->kq),
                            &a->kq_capped);
}

/* *st prepared from sql on the viewer's database, again when the database
 * changed (*for_db); NULL if it does not prepare. */
static sqlite3_stmt *stmt_for(struct app *a, sqlite3_stmt **st, sqlite3 **for_db, const char *sql)
{
    if (*for_db != a->v.db) {
        sqlite3_finalize(*st);
        *st = NULL;
        *for_db = a->v.db;
        sqlite3_prepare_v2(a->v.db, sql, -1, st, NULL);
    }
    return *st;
}

/* The daemon thread (thread.id, the views' "worker") that read request id. */
static int64_t worker_of(struct app *a, int64_t id)
{
    static sqlite3_stmt *cached;
    static sqlite3 *for_db;
    sqlite3_stmt *st = stmt_for(a, &cached, &for_db, "SELECT thread FROM request WHERE id = ?");
    int64_t w = 0;
    if (!st)
        return 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        w = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return w;
}

static int by_recent(const void *x, const void *y)
{
    const struct ent *a = *(const struct ent *const *)x, *b = *(const struct ent *const *)y;
    return a->b < b->b ? 1 : a->b > b->b ? -1 : 0;
}

static const char *inode_path(struct app *a, int64_t nodeid, char *buf, size_t cap)
{
    static sqlite3_stmt *cached;
    static sqlite3 *for_db;
    sqlite3_stmt *st = stmt_for(a, &cached, &for_db, "SELECT path FROM inode WHERE nodeid = ?");
    buf[0] = 0;
    if (!st)
        return buf;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, nodeid);
    if (sqlite3_step(st) == SQLITE_ROW)
        fmt_escape(buf, cap, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return buf;
}

static void section(WINDOW *w, int y, int x, int width, const char *title)
{
    mvwhline(w, y, x, ACS_HLINE, width);
    draw_text(w, y, x + 1, width - 2, title, CP_TITLE, A_BOLD);
}

void state_draw(struct app *a, int y, int x, int h, int wd)
{
    WINDOW *w = a->scr;
    struct work *k = &a->work;
    const struct oprow *cur = tl_cursor(a);
    char title[160], t[32];
    if (!cur) {
        section(w, y, x, wd, " state ");
        return;
    }
    fmt_ts(t, sizeof t, cur->ts - a->v.t_first);
    if (!k->ready) {
        snprintf(title, sizeof title, " state after #%lld ", (long long)FLEET_KEY_OWN(cur->id));
        section(w, y, x, wd, title);
        char why[sizeof a->idx.error];
        int pm = state_idx_permille(&a->idx, a->v.min_id, a->v.max_id);
        if (state_idx_error(&a->idx, why, sizeof why))   /* stopped: it will never get here */
            snprintf(title, sizeof title, "the state index stopped at %d%%: %.100s", pm / 10, why);
        else
            snprintf(title, sizeof title, "building the state index: %d%% (this point is not indexed yet)", pm / 10);
        draw_text(w, y + 1, x + 1, wd - 1, title, CP_DIM, A_BOLD);
        return;
    }
    int n_kq = a->kq_depth > 0 ? a->kq_depth : 0;
    int n_kq_shown = n_kq < (int)(sizeof a->kq / sizeof *a->kq) ? n_kq : (int)(sizeof a->kq / sizeof *a->kq);
    int n_in = k->ninflight + n_kq_shown, n_fh = (int)k->fh.n;
    int rows = h - 3;          /* three section titles */
    int in_h = n_in < 1 ? 1 : n_in > rows / 5 ? rows / 5 : n_in;
    int fh_h = n_fh < 1 ? 1 : n_fh > rows / 4 ? rows / 4 : n_fh;
    if (in_h < 1) in_h = 1;
    if (fh_h < 1) fh_h = 1;
    int ino_h = rows - in_h - fh_h;
    if (ino_h < 1)
        ino_h = 1;

    /* inode table */
    snprintf(title, sizeof title, " inodes at +%ss after #%lld: %zu live%s ", t, (long long)FLEET_KEY_OWN(cur->id), k->ino.n,
             a->focus == FOCUS_STATE ? " [focus: j/k]" : "");
    section(w, y, x, wd, title);
    int yy = y + 1;
    draw_text(w, yy, x + 1, wd - 1, "  nodeid nlookup backing      io  path", 0, A_UNDERLINE);
    yy++;
    struct ent **v = malloc((k->ino.n + 1) * sizeof *v);
    size_t nv = 0;
    for (size_t i = 0; v && i < k->ino.cap; i++)
        if (k->ino.slot[i].used)
            v[nv++] = &k->ino.slot[i];
    if (v)
        qsort(v, nv, sizeof *v, by_recent);
    if (a->state_top > (int)nv - 1)
        a->state_top = nv ? (int)nv - 1 : 0;
    char line[1200], path[1024], back[48];
    int shown = 0;
    for (int i = 0; i < a->det.nfreed && shown < ino_h - 1; i++, shown++) {
        snprintf(line, sizeof line, "x %6lld  freed  by this request   %s", (long long)a->det.inode_free_ids[i],
                 inode_path(a, a->det.inode_free_ids[i], path, sizeof path));
        draw_text(w, yy++, x + 1, wd - 1, line, CP_SLOW, A_BOLD);
    }
    for (size_t i = (size_t)a->state_top; v && i < nv && shown < ino_h - 1; i++, shown++) {
        struct ent *e = v[i];
        if (e->f == 2)
            snprintf(back, sizeof back, "O_PATH fd %d", e->d);
        else if (e->e >= 0 && e->f == 1)
            snprintf(back, sizeof back, "handle+fd %d", e->e);
        else
            snprintf(back, sizeof back, "%s", e->f == 1 ? "handle" : "-");
        bool mine = e->u == cur->unique;
        /* I/O mode, short (the detail pane names it): C cached, D direct,
         * P<backing id> passthrough, - no open file */
        static const char io_codes[] = "-CDP";
        char io[16];
        if (e->io == 3)
            snprintf(io, sizeof io, "P%d", (int)e->bid);
        else
            snprintf(io, sizeof io, "%c", e->io < 4 ? io_codes[e->io] : '?');
        snprintf(line, sizeof line, "%c %6lld %7lld %-12s %-3s %s", mine ? '*' : ' ', (long long)e->key,
                 (long long)e->a, back, io, inode_path(a, e->key, path, sizeof path));
        draw_text(w, yy++, x + 1, wd - 1, line, mine ? CP_OK : 0, mine ? A_BOLD : 0);
    }
    free(v);

    /* open file handles */
    yy = y + 1 + ino_h;
    snprintf(title, sizeof title, " open fhs: %zu ", k->fh.n);
    section(w, yy++, x, wd, title);
    int shown_fh = 0;
    for (size_t i = 0; i < k->fh.cap && shown_fh < fh_h; i++) {
        struct ent *e = &k->fh.slot[i];
        if (!e->used)
            continue;
        char fl[128];
        fmt_oflags(fl, sizeof fl, e->c);
        snprintf(line, sizeof line, "  fh %-5lld fd %-4d%s %s %s", (long long)e->key, e->d, e->f ? " created" : "",
                 inode_path(a, e->a, path, sizeof path), fl);
        draw_text(w, yy++, x + 1, wd - 1, line, e->u == cur->unique ? CP_OK : 0, 0);
        shown_fh++;
    }
    if (!shown_fh)
        draw_text(w, yy, x + 3, wd - 3, "(none)", CP_DIM, 0);

    /* in flight: being served by a daemon thread, then queued in the kernel */
    yy = y + 2 + ino_h + fh_h;
    if (a->kq_depth >= 0 && a->v.info.kernel_side)
        snprintf(title, sizeof title, " in flight at +%ss: %d served, kernel queue %s%d ", t, k->ninflight,
                 a->kq_capped ? ">=" : "", n_kq);
    else
        snprintf(title, sizeof title, " in flight at +%ss: %d ", t, k->ninflight);
    section(w, yy++, x, wd, title);
    int shown_in = 0;
    for (int i = 0; i < k->ninflight && shown_in < in_h; i++) {
        struct oprow r;
        if (vdb_row(&a->v, k->inflight[i].id, &r) != 0)
            continue;
        char p[1024], age[32];
        row_path(&r, p, sizeof p);
        fmt_dur(age, sizeof age, cur->ts - r.ts);
        snprintf(line, sizeof line, "» #%lld %-8s worker %lld for %s %s", (long long)FLEET_KEY_OWN(r.id), r.op,
                 (long long)FLEET_KEY_OWN(worker_of(a, r.id)), age, p);
        draw_text(w, yy++, x + 1, wd - 1, line, CP_FLIGHT, 0);
        oprow_free(&r);
        shown_in++;
    }
    for (int i = 0; i < n_kq_shown && shown_in < in_h; i++, shown_in++) {
        const struct kq_entry *e = &a->kq[i];
        char age[32], op[24];
        fmt_dur(age, sizeof age, cur->ts - e->ts);
        if (e->opcode >= 0 && e->opcode < 64 && a->v.opname[e->opcode][0])
            snprintf(op, sizeof op, "%s", a->v.opname[e->opcode]);
        else
            snprintf(op, sizeof op, "OP%lld", (long long)e->opcode);
        snprintf(line, sizeof line, "… queued in the kernel: %-8s for %s (unique %lld, tid %lld)", op, age,
                 (long long)e->unique, (long long)e->tid);
        draw_text(w, yy++, x + 1, wd - 1, line, CP_DIM, A_BOLD);
    }
    if (!shown_in)
        draw_text(w, yy, x + 3, wd - 3, "(none)", CP_DIM, 0);
}
