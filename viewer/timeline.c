/* timeline.c — the request list.
 *
 * The list is a sliding window of consecutive filter matches, filled by
 * keyset scans (vdb_scan) forward and backward from its ends.  Moving past
 * either end extends the window; rows far from the cursor are dropped, so
 * memory stays at a few screens whatever the session size.  A sparse filter
 * may not fill a page within one key's budget: the window is marked
 * pending and the main loop continues the scan when idle. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "schemas/db_format.h"
#include "viewer/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/text.h"

#define KEY_BUDGET_NS 40000000LL       /* synchronous scan budget per key */

void tl_clear(struct timeline *t)
{
    for (int i = 0; i < t->n; i++)
        oprow_free(&t->rows[i]);
    t->n = t->top = t->cur = t->owe = 0;
    t->at_start = t->at_end = t->pending = false;
}

static int keep_rows(const struct timeline *t)
{
    int h = t->height > 0 ? t->height : 20;
    return h * 6 + 64;
}

static void ensure_cap(struct timeline *t, int extra)
{
    if (t->n + extra <= t->cap)
        return;
    int nc = t->cap ? t->cap : 256;
    while (nc < t->n + extra)
        nc *= 2;
    struct oprow *nr = realloc(t->rows, (size_t)nc * sizeof *nr);
    if (!nr)
        abort();               /* a few screens of rows; out of memory is fatal */
    t->rows = nr;
    t->cap = nc;
}

/* Drop rows far from the cursor. */
static void trim(struct timeline *t)
{
    int keep = keep_rows(t);
    if (t->n <= keep)
        return;
    int front = t->top - keep / 3;     /* rows above the visible part to drop */
    if (front > 0) {
        for (int i = 0; i < front; i++)
            oprow_free(&t->rows[i]);
        memmove(t->rows, t->rows + front, (size_t)(t->n - front) * sizeof *t->rows);
        t->n -= front;
        t->top -= front;
        t->cur -= front;
        t->at_start = false;
        t->back_pos = t->rows[0].id;
    }
    if (t->n > keep) {
        int last = t->top + keep * 2 / 3;
        if (last < t->cur + 1)
            last = t->cur + 1;
        if (last < t->n) {
            for (int i = last; i < t->n; i++)
                oprow_free(&t->rows[i]);
            t->n = last;
            t->at_end = false;
            t->fwd_pos = t->rows[t->n - 1].id;
        }
    }
}

static int extend_fwd(struct app *a, int want, int64_t deadline)
{
    struct timeline *t = &a->tl;
    if (t->at_end)
        return 0;
    int64_t from = t->n && t->rows[t->n - 1].id > t->fwd_pos ? t->rows[t->n - 1].id : t->fwd_pos;
    ensure_cap(t, want);
    int64_t reached;
    bool end;
    int got = vdb_scan(&a->v, +1, from, want, deadline, t->rows + t->n, &reached, &end);
    t->n += got;
    t->fwd_pos = reached;
    t->at_end = end;
    return got;
}

static int extend_back(struct app *a, int want, int64_t deadline)
{
    struct timeline *t = &a->tl;
    if (t->at_start)
        return 0;
    int64_t from = t->n && t->rows[0].id < t->back_pos ? t->rows[0].id : t->back_pos;
    struct oprow *tmp = calloc((size_t)want, sizeof *tmp);
    if (!tmp)
        abort();
    int64_t reached;
    bool end;
    int got = vdb_scan(&a->v, -1, from, want, deadline, tmp, &reached, &end);
    t->back_pos = reached;
    t->at_start = end;
    if (got) {
        ensure_cap(t, got);
        memmove(t->rows + got, t->rows, (size_t)t->n * sizeof *t->rows);
        for (int i = 0; i < got; i++)
            oprow_move(&t->rows[i], &tmp[got - 1 - i]);   /* scan came newest-first */
        t->n += got;
        t->top += got;
        t->cur += got;
    }
    free(tmp);
    return got;
}

static void fix_top(struct timeline *t)
{
    int h = t->height > 0 ? t->height : 1;
    if (t->cur >= t->n)
        t->cur = t->n ? t->n - 1 : 0;
    if (t->cur < 0)
        t->cur = 0;
    if (t->cur < t->top)
        t->top = t->cur;
    if (t->cur >= t->top + h)
        t->top = t->cur - h + 1;
    if (t->top < 0)
        t->top = 0;
}

static void update_pending(struct timeline *t)
{
    int h = t->height > 0 ? t->height : 20;
    if ((t->owe > 0 && t->at_end) || (t->owe < 0 && t->at_start))
        t->owe = 0;
    t->pending = (!t->at_end && t->n - t->top < h) || (!t->at_start && t->n == 0) || t->owe;
}

/* Put the cursor on the first match >= id (dir > 0) or the last match
 * <= id (dir < 0), with some context above it. */
void tl_reset(struct app *a, int64_t id, int dir)
{
    struct timeline *t = &a->tl;
    int h = t->height > 0 ? t->height : 20;
    int64_t deadline = now_ns() + KEY_BUDGET_NS;
    tl_clear(t);
    if (dir >= 0) {
        t->fwd_pos = id - 1;
        t->back_pos = id;
        extend_fwd(a, h, deadline);
        if (t->n) {
            t->cur = 0;
            extend_back(a, h / 3, deadline);
        } else if (t->at_end) {
            extend_back(a, h, deadline);
            t->cur = t->n - 1;
        }
    } else {
        t->fwd_pos = id;
        t->back_pos = id + 1;
        extend_back(a, h, deadline);
        t->cur = t->n - 1;
        if (t->n == 0 && t->at_start) {
            extend_fwd(a, h, deadline);
            t->cur = 0;
        } else {
            extend_fwd(a, h / 2, deadline);
        }
    }
    t->top = t->cur - h / 3;
    if (dir < 0 || t->at_end)  /* leave the last line for the end marker */
        t->top = t->cur - (h - (t->at_end && t->cur == t->n - 1 ? 2 : 1));
    if (t->top < 0)
        t->top = 0;
    fix_top(t);
    update_pending(t);
    app_after_move(a);
}

void tl_top(struct app *a)
{
    tl_reset(a, a->v.min_id, +1);
    a->tl.top = a->tl.cur;
}

void tl_bottom(struct app *a)
{
    tl_reset(a, a->v.max_id, -1);
}

void tl_move(struct app *a, int delta)
{
    struct timeline *t = &a->tl;
    int64_t deadline = now_ns() + KEY_BUDGET_NS;
    int h = t->height > 0 ? t->height : 20;
    /* The scan may stop at the key's deadline before the rows the move
     * needs: owe them, and move on when the idle scan finds them (else a
     * j or k past a long gap in a sparse filter would be lost).  A second
     * key in the same direction adds to what is owed. */
    if ((t->owe > 0 && delta > 0) || (t->owe < 0 && delta < 0))
        delta += t->owe;
    t->owe = 0;
    if (delta > 0) {
        if (t->cur + delta + h >= t->n && !t->at_end)
            extend_fwd(a, t->cur + delta + h - t->n + 1, deadline);
        int to = t->cur + delta;
        if (to >= t->n) {
            if (!t->at_end)
                t->owe = to - (t->n - 1) < delta ? to - (t->n - 1) : delta;
            to = t->n - 1;
        }
        if (delta > 1)         /* a page: keep the cursor's screen row */
            t->top += to - t->cur;
        t->cur = to;
    } else if (delta < 0) {
        if (t->cur + delta < 0 && !t->at_start)
            extend_back(a, -(t->cur + delta) + h, deadline);
        int to = t->cur + delta;
        if (to < 0) {
            if (!t->at_start)
                t->owe = to;
            to = 0;
        }
        if (delta < -1)
            t->top += to - t->cur;
        t->cur = to;
    }
    fix_top(t);
    trim(t);
    fix_top(t);
    update_pending(t);
    app_after_move(a);
}

void tl_idle(struct app *a, int64_t deadline)
{
    struct timeline *t = &a->tl;
    if (!t->pending)
        return;
    int h = t->height > 0 ? t->height : 20;
    int had = t->n;
    if (t->owe) {
        if (t->owe > 0 && !t->at_end)
            extend_fwd(a, t->owe + h, deadline);
        else if (t->owe < 0 && !t->at_start)
            extend_back(a, -t->owe + h, deadline);   /* shifts cur by what it prepends */
        int step = t->owe > 0 ? (t->owe < t->n - 1 - t->cur ? t->owe : t->n - 1 - t->cur)
                              : (-t->owe < t->cur ? t->owe : -t->cur);
        if (step) {
            t->cur += step;
            t->owe -= step;
            fix_top(t);
            trim(t);
            fix_top(t);
            update_pending(t);
            app_after_move(a);
            return;
        }
    }
    if (!t->at_end && t->n - t->top < h)
        extend_fwd(a, h - (t->n - t->top), deadline);
    if (t->n == 0 && !t->at_start && now_ns() < deadline) {
        extend_back(a, h, deadline);
        t->cur = t->n ? t->n - 1 : 0;
    }
    fix_top(t);
    update_pending(t);
    if (had == 0 && t->n)
        app_after_move(a);
}

const struct oprow *tl_cursor(const struct app *a)
{
    return a->tl.n ? &a->tl.rows[a->tl.cur] : NULL;
}

void tl_refilter(struct app *a)
{
    const struct oprow *r = tl_cursor(a);
    int64_t id = r ? r->id : a->v.min_id;
    tl_reset(a, id, +1);
    if (!a->tl.n && !a->tl.pending)
        tl_reset(a, id, -1);
}

/* ---- row formatting ------------------------------------------------------ */

void row_path(const struct oprow *r, char *buf, size_t cap)
{
    char raw[2048];
    if (r->name && r->path)
        snprintf(raw, sizeof raw, "%s%s%s", r->path, r->path[0] && r->path[strlen(r->path) - 1] == '/' ? "" : "/",
                 r->name);
    else if (r->path)
        snprintf(raw, sizeof raw, "%s", r->path);
    else if (r->name)
        snprintf(raw, sizeof raw, "?/%s", r->name);
    else if (r->nodeid)
        snprintf(raw, sizeof raw, "(nodeid %lld)", (long long)FLEET_KEY_OWN(r->nodeid));
    else
        raw[0] = 0;
    if (r->name2) {
        size_t o = strlen(raw);
        snprintf(raw + o, sizeof raw - o, " -> %s", r->name2);
    }
    fmt_escape(buf, cap, raw);
}

void row_args(const struct oprow *r, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
#define ADD(...) do { if (o < cap) o += (size_t)snprintf(buf + o, cap - o, __VA_ARGS__); } while (0)
    switch (r->opcode) {
    case 2:  /* FORGET */
        ADD("nlookup=%lld", (long long)r->nlookup);
        break;
    case 14: case 27: case 35: { /* OPEN, OPENDIR, CREATE */
        char f[160];
        fmt_oflags(f, sizeof f, r->flags);
        ADD("%s", f);
        break;
    }
    default:
        if (r->has_fh)
            ADD("fh=%lld ", (long long)r->fh);
        if (r->has_offset)
            ADD("off=%lld ", (long long)r->offset);
        if (r->has_size)
            ADD("size=%lld", (long long)r->size);
        break;
    }
#undef ADD
}

void row_result(const struct oprow *r, char *buf, size_t cap)
{
    if (r->outcome == 'e')
        snprintf(buf, cap, "%s", r->errname[0] ? r->errname : "error");
    else if (r->outcome == 'n')
        snprintf(buf, cap, "-");
    else if (r->outcome == 'i')
        snprintf(buf, cap, "(no reply)");
    else if (r->has_entry && r->entry_nodeid)
        snprintf(buf, cap, "node %lld", (long long)FLEET_KEY_OWN(r->entry_nodeid));
    else if (r->has_rfh && (r->opcode == 14 || r->opcode == 27 || r->opcode == 35))
        snprintf(buf, cap, "fh %lld", (long long)r->reply_fh);
    else if (r->has_bytes)
        snprintf(buf, cap, "%lld B", (long long)r->bytes);
    else
        snprintf(buf, cap, "ok");
}

struct cols {
    int mark, time, delta, op, node, proc, path, args, res, lat;
};

static void layout_cols(struct cols *c, int width)
{
    c->mark = 1;
    c->time = 11;
    c->delta = 10;
    c->op = 12;
    c->node = 7;
    c->proc = 13;
    c->res = 11;
    c->lat = 9;
    if (width < 100) {
        c->delta = 0;
        c->proc = 0;
    }
    int fixed = c->mark + c->time + c->delta + c->op + c->node + c->proc + c->res + c->lat + 9;
    int rest = width - fixed;
    if (rest < 10)
        rest = 10;
    c->args = width >= 100 ? rest * 2 / 5 : 0;
    c->path = rest - c->args;
}

void tl_draw(struct app *a, int y, int h)
{
    WINDOW *w = a->scr;
    struct timeline *t = &a->tl;
    struct cols c;
    layout_cols(&c, COLS);
    t->height = h - 1;
    fix_top(t);
    /* column header */
    char hdr[512];
    int x = 0;
    draw_fill(w, y, 0, COLS, 0, A_UNDERLINE);
    struct { int wdt; const char *name; } hs[] = {
        { c.mark, "" }, { c.time, "time s" }, { c.delta, "delta" }, { c.op, "op" }, { c.node, "nodeid" },
        { c.proc, "pid/proc" }, { c.path, "path" }, { c.args, "args" }, { c.res, "result" }, { c.lat, "latency" },
    };
    for (size_t i = 0; i < sizeof hs / sizeof *hs; i++) {
        if (!hs[i].wdt)
            continue;
        snprintf(hdr, sizeof hdr, "%s", hs[i].name);
        draw_text(w, y, x, hs[i].wdt, hdr, a->focus == FOCUS_TIMELINE ? CP_TITLE : 0, A_UNDERLINE | A_BOLD);
        x += hs[i].wdt + 1;
    }
    const struct oprow *cur = tl_cursor(a);
    int64_t tc = cur ? cur->ts : 0;
    for (int i = 0; i < h - 1; i++) {
        int ri = t->top + i, yy = y + 1 + i;
        if (ri >= t->n) {
            if (ri == t->n) {
                if (t->pending)
                    draw_text(w, yy, 2, COLS - 2, "… scanning for more matches (keys stay live; Esc stops) …",
                              CP_DIM, A_BOLD);
                else if (t->n == 0)
                    draw_text(w, yy, 2, COLS - 2, filter_count(&a->filt) ? "no request matches the filter (c clears)"
                                                                         : "no requests recorded",
                              CP_DIM, A_BOLD);
                else if (t->at_end)
                    draw_text(w, yy, 2, COLS - 2, a->follow ? "— end (following) —" : "— end —", CP_DIM, 0);
            }
            continue;
        }
        const struct oprow *r = &t->rows[ri];
        bool sel = ri == t->cur;
        bool err = r->outcome == 'e';
        bool slow = r->has_reply && r->lat >= a->slow_ns;
        bool flying = cur && r->ts <= tc && ((r->has_reply && r->reply_ts > tc) ||
                                             (!r->has_reply && r->outcome == 'i'));
        int pair = err ? CP_ERROR : slow ? CP_SLOW : 0;
        attr_t at = sel ? A_REVERSE | A_BOLD : 0;
        if (sel)
            draw_fill(w, yy, 0, COLS, 0, A_REVERSE);
        char buf[1024], tmp[64];
        x = 0;
        if (r->stalled)
            draw_text(w, yy, x, 1, "!", CP_WARN, at | A_BOLD);
        else
            draw_text(w, yy, x, 1, flying ? "»" : " ", CP_FLIGHT, at | A_BOLD);
        x += c.mark + 1;
        fmt_ts(tmp, sizeof tmp, r->ts - a->v.t_first);
        snprintf(buf, sizeof buf, "%*s", c.time, tmp);
        draw_text(w, yy, x, c.time, buf, pair, at);
        x += c.time + 1;
        if (c.delta) {
            int64_t prev = ri > 0 ? t->rows[ri - 1].ts : r->ts;
            fmt_delta(tmp, sizeof tmp, r->ts - prev);
            snprintf(buf, sizeof buf, "%*s", c.delta, tmp);
            draw_text(w, yy, x, c.delta, buf, CP_DIM, at);
            x += c.delta + 1;
        }
        draw_text(w, yy, x, c.op, r->op, pair, at | A_BOLD);
        x += c.op + 1;
        snprintf(buf, sizeof buf, "%*lld", c.node, (long long)FLEET_KEY_OWN(r->nodeid));
        draw_text(w, yy, x, c.node, buf, pair, at);
        x += c.node + 1;
        if (c.proc) {
            char comm[64];
            fmt_escape(comm, sizeof comm, r->comm ? r->comm : "");
            snprintf(buf, sizeof buf, "%lld %s", (long long)r->pid, comm);
            draw_text(w, yy, x, c.proc, buf, pair, at);
            x += c.proc + 1;
        }
        row_path(r, buf, sizeof buf);
        draw_text(w, yy, x, c.path, buf, pair, at);
        x += c.path + 1;
        if (c.args) {
            row_args(r, buf, sizeof buf);
            draw_text(w, yy, x, c.args, buf, pair, at);
            x += c.args + 1;
        }
        row_result(r, buf, sizeof buf);
        draw_text(w, yy, x, c.res, buf, pair, at | (err ? A_BOLD : 0));
        x += c.res + 1;
        if (r->has_reply) {
            fmt_dur(tmp, sizeof tmp, r->lat);
            snprintf(buf, sizeof buf, "%*s", c.lat, tmp);
        } else {
            snprintf(buf, sizeof buf, "%*s", c.lat, r->outcome == 'n' ? "" : "…");
        }
        draw_text(w, yy, x, c.lat, buf, pair, at | (slow ? A_BOLD : 0));
    }
}
