/* statsview.c — statistics (Trace Compass's latency quartet in a
 * terminal): a table of count, errors, latency percentiles and bytes per
 * op, per file or per process (o f p; with the kernel's side recorded, the
 * op table also has percentiles of the time requests waited in the
 * kernel's queue before the daemon read them), the selected row's latency
 * histogram, and latency over the session's time.
 * By op, the numbers come from the state builder's single pass (state.c):
 * the view never scans the session itself for them, so it opens at once
 * and fills in while the pass runs.  By file and by process, the table is
 * tracedb/stats_groups.h's, the very rows `fusetrace stats --by=file` and
 * `--by=process` print (in their order: by total latency), the first
 * STATS_VIEW_ROWS of them, read when the table is chosen (again only if
 * the session grew since) on a thread of its own, since it is a scan of
 * every request (20-30 s on 10 M): the keys stay live meanwhile and the
 * view says it is reading.  Every table's numbers are those
 * of `fusetrace stats --by=...` (util/lat_stats.h computes both:
 * percentiles from a log histogram, within 6.25 %); requests without a
 * reply (FORGET) are counted and show "-" for latency.  Enter filters the
 * timeline to the selected op, file or process. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tracedb/stats_groups.h"
#include "viewer/text.h"

static const char *op_name(struct app *a, int slot, char *buf, size_t cap)
{
    int oc = a->stv.s.opcode_of[slot];
    if (oc >= 0 && oc < 64 && a->v.opname[oc][0])
        snprintf(buf, cap, "%s", a->v.opname[oc]);
    else
        snprintf(buf, cap, "OP%d", oc);
    return buf;
}

static size_t nrows(const struct statsview *sv)
{
    if (sv->by == STATS_BY_OP)
        return (size_t)sv->nops;
    return sv->g_by == sv->by ? sv->ng : 0;
}

static void clamp_cursor(struct statsview *sv)
{
    size_t n = nrows(sv);
    if ((size_t)sv->cur >= n)
        sv->cur = n ? (int)n - 1 : 0;
}

static void stats_refresh(struct app *a)
{
    struct statsview *sv = &a->stv;
    state_idx_stats(&a->idx, &sv->s);
    sv->nops = 0;
    for (int i = 0; i < NOPS; i++)
        if (sv->s.op[i].count)
            sv->order[sv->nops++] = i;
    /* by count, descending */
    for (int i = 1; i < sv->nops; i++)
        for (int j = i; j > 0 && sv->s.op[sv->order[j]].count > sv->s.op[sv->order[j - 1]].count; j--) {
            int t = sv->order[j];
            sv->order[j] = sv->order[j - 1];
            sv->order[j - 1] = t;
        }
    clamp_cursor(sv);
}

static const char *by_name(enum stats_by by)
{
    return by == STATS_BY_FILE ? "file" : by == STATS_BY_PROCESS ? "process" : "op";
}

/* A table by file or by process being read.  The thread writes only into
 * its job; the UI reads the job after `done` is set, and cancels it with
 * sqlite3_interrupt() on the job's own connection. */
struct groupsjob {
    pthread_t th;
    sqlite3 *db;               /* the job's read-only connection */
    enum stats_key key;
    struct stats_group **g;
    size_t ng, nall;
    int rc;
    char err[512];
    atomic_bool done;
};

static void *groups_main(void *arg)
{
    struct groupsjob *j = arg;
    pthread_setname_np(pthread_self(), "ft-view-groups");
    j->rc = stats_groups(j->db, &j->key, 1, STATS_VIEW_ROWS, &j->g, &j->ng, &j->nall, j->err, sizeof j->err);
    atomic_store(&j->done, true);
    return NULL;
}

static void groups_job_end(struct statsview *sv, bool cancel)
{
    struct groupsjob *j = sv->job;
    if (!j)
        return;
    if (cancel)
        sqlite3_interrupt(j->db);
    pthread_join(j->th, NULL);
    stats_groups_free(j->g, j->ng);    /* NULL once taken over */
    sqlite3_close(j->db);
    free(j);
    sv->job = NULL;
}

/* Start reading the table sv->by, unless it is there already for the
 * session as it is now, or being read. */
static void groups_load(struct app *a)
{
    struct statsview *sv = &a->stv;
    if (sv->by == STATS_BY_OP || (sv->g_by == sv->by && sv->g_max_id == a->v.max_id) ||
        (sv->job && sv->job_by == sv->by && sv->job_max_id == a->v.max_id))
        return;
    groups_job_end(sv, true);
    char err[512];
    struct groupsjob *j = calloc(1, sizeof *j);
    if (!j) {
        app_msg(a, true, "statistics by %s: out of memory", by_name(sv->by));
        return;
    }
    if (vdb_open_more(&a->v, &j->db, err, sizeof err) != 0) {
        app_msg(a, true, "statistics by %s: %s", by_name(sv->by), err);
        free(j);
        return;
    }
    j->key = sv->by == STATS_BY_FILE ? STATS_KEY_FILE : STATS_KEY_PROCESS;
    atomic_init(&j->done, false);
    if (pthread_create(&j->th, NULL, groups_main, j) != 0) {
        app_msg(a, true, "statistics by %s: cannot start a thread", by_name(sv->by));
        sqlite3_close(j->db);
        free(j);
        return;
    }
    sv->job = j;
    sv->job_by = sv->by;
    sv->job_max_id = a->v.max_id;
    sv->job_t0 = now_ns();
}

bool stats_poll(struct app *a)
{
    struct statsview *sv = &a->stv;
    struct groupsjob *j = sv->job;
    if (!j || !atomic_load(&j->done))
        return false;
    if (j->rc == 0) {
        stats_groups_free(sv->g, sv->ng);
        sv->g = j->g;
        sv->ng = j->ng;
        sv->nall = j->nall;
        sv->g_by = sv->job_by;
        sv->g_max_id = sv->job_max_id;
        j->g = NULL;
        j->ng = 0;
    } else {
        /* on failure the view falls back to the op table and says why */
        app_msg(a, true, "statistics by %s: %s", by_name(sv->job_by), j->err);
        if (sv->by == sv->job_by)
            sv->by = STATS_BY_OP;
    }
    groups_job_end(sv, false);
    clamp_cursor(sv);
    return true;
}

void stats_open(struct app *a)
{
    a->view = VIEW_STATS;
    a->playing = false;
    stats_refresh(a);
    groups_load(a);                /* the session may have grown (follow) */
    clamp_cursor(&a->stv);
}

void stats_free(struct app *a)
{
    groups_job_end(&a->stv, true);
    stats_groups_free(a->stv.g, a->stv.ng);
    a->stv.g = NULL;
    a->stv.ng = 0;
    a->stv.g_by = STATS_BY_OP;
}

/* An untrusted key (a path, a process name) escaped into exactly `w`
 * columns: padded, or cut with "…", keeping the tail of a path (its end
 * names the file) and the head of anything else. */
static void key_cell(char *dst, size_t cap, const char *raw, int w, bool keep_tail)
{
    char esc[1024];
    fmt_escape(esc, sizeof esc, raw);
    int width = text_width(esc);
    if (width <= w) {
        snprintf(dst, cap, "%s%*s", esc, w - width, "");
        return;
    }
    /* code point starts and their widths (fmt_escape's output is valid UTF-8) */
    const char *p = esc;
    if (keep_tail) {
        int drop = width - (w - 1);
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        while (*p && drop > 0) {
            wchar_t wc;
            size_t k = mbrtowc(&wc, p, strlen(p), &ps);
            if (k == 0 || k == (size_t)-1 || k == (size_t)-2)
                k = 1;
            int cw = wcwidth(wc);
            drop -= cw > 0 ? cw : 1;
            p += k;
        }
        snprintf(dst, cap, "…%s%*s", p, drop < 0 ? -drop : 0, "");
    } else {
        int keep = w - 1;
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        while (*p) {
            wchar_t wc;
            size_t k = mbrtowc(&wc, p, strlen(p), &ps);
            if (k == 0 || k == (size_t)-1 || k == (size_t)-2)
                k = 1;
            int cw = wcwidth(wc);
            if (cw < 0)
                cw = 1;
            if (cw > keep)
                break;
            keep -= cw;
            p += k;
        }
        snprintf(dst, cap, "%.*s…%*s", (int)(p - esc), esc, keep, "");
    }
}

/* The selected row's latency histogram, one row per power of two, from
 * line y down to `bottom`; returns the next free line. */
static int histogram(struct app *a, int y, int bottom, const char *title, const struct lat_stats *st)
{
    WINDOW *w = a->scr;
    char line[1024], b[32];
    int hist_rows = (bottom - y) - 6;
    snprintf(line, sizeof line, " latency histogram: %.900s (%lld replies)", title, (long long)st->replied);
    mvwhline(w, y, 0, ACS_HLINE, COLS);
    draw_text(w, y++, 1, COLS - 2, line, CP_TITLE, A_BOLD);
    int64_t pow_count[48] = { 0 };
    int lo = 47, hi = 0;
    for (int bk = 0; bk < LAT_BUCKETS; bk++) {
        if (!st->hist[bk])
            continue;
        int64_t low = lat_bucket_low(bk);
        int p = low > 0 ? 63 - __builtin_clzll((unsigned long long)low) : 0;
        if (p > 47)
            p = 47;
        pow_count[p] += st->hist[bk];
        if (p < lo) lo = p;
        if (p > hi) hi = p;
    }
    int64_t maxc = 1;
    for (int p = lo; p <= hi; p++)
        if (pow_count[p] > maxc)
            maxc = pow_count[p];
    int barw = COLS - 32;
    for (int p = lo; p <= hi && hist_rows > 0; p++, hist_rows--) {
        fmt_dur(b, sizeof b, (int64_t)1 << p);
        int len = (int)(pow_count[p] * barw / maxc);
        char bar[1024] = "";
        for (int k = 0; k < len && k < 300; k++)
            strcat(bar, "■");
        snprintf(line, sizeof line, " >=%9.9s %10lld %.960s", b, (long long)pow_count[p], bar);
        draw_text(w, y++, 0, COLS, line, p >= 20 ? CP_SLOW : CP_OK, 0);
    }
    return y;
}

/* count errors p50 p95 p99 max avg total, as `fusetrace stats` prints them
 * (lat_fmt; µs for us) */
static void numbers(char *dst, size_t cap, const struct lat_stats *st)
{
    char b[6][32];
    bool none = !st->replied;                /* FORGET: no latency, not 0 ns */
    lat_fmt(b[0], sizeof b[0], lat_stats_percentile(st, LAT_P1), false);
    lat_fmt(b[1], sizeof b[1], lat_stats_percentile(st, LAT_P2), false);
    lat_fmt(b[2], sizeof b[2], lat_stats_percentile(st, LAT_P3), false);
    lat_fmt(b[3], sizeof b[3], none ? -1 : st->max, false);
    lat_fmt(b[4], sizeof b[4], lat_stats_avg(st), false);
    lat_fmt(b[5], sizeof b[5], none ? -1 : st->sum, false);
    snprintf(dst, cap, "%10lld %8lld %9s %9s %9s %9s %9s %10s", (long long)st->count, (long long)st->errors,
             b[0], b[1], b[2], b[3], b[4], b[5]);
}

static const char *const blocks[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };

void stats_draw(struct app *a)
{
    WINDOW *w = a->scr;
    struct statsview *sv = &a->stv;
    stats_refresh(a);
    int pm = state_idx_permille(&a->idx, a->v.min_id, a->v.max_id);
    char idx_err[sizeof a->idx.error];
    bool failed = state_idx_error(&a->idx, idx_err, sizeof idx_err);
    char line[2048], b[8][32], nums[256];
    char part[96] = "";
    if (nrows(sv) < sv->nall && sv->g_by == sv->by)    /* cut to STATS_VIEW_ROWS: say so */
        snprintf(part, sizeof part, " (the first %zu of %zu)", nrows(sv), sv->nall);
    snprintf(line, sizeof line, " Statistics — whole session, by %s%s  (%lld requests, %lld errors, %lld slow >= ",
             by_name(sv->by), part, (long long)sv->s.total, (long long)sv->s.errors, (long long)sv->s.slow);
    fmt_dur(b[0], sizeof b[0], a->slow_ns);
    size_t o = strlen(line);
    snprintf(line + o, sizeof line - o, "%s)%s   o f p: by op/file/process · Enter: filter · q back", b[0],
             failed ? "  [index FAILED]" : pm < 1000 ? "  [indexing…]" : "");
    if (pm < 1000) {
        char pct[64];
        snprintf(pct, sizeof pct, " %d%% indexed", pm / 10);
        strncat(line, pct, sizeof line - strlen(line) - 1);
    }
    draw_text(w, 1, 0, COLS, line, CP_TITLE, A_BOLD);
    int y = 2;
    /* With the kernel's side: two columns of queue time instead of the
     * bytes and the share bar, which would not fit beside them on 120
     * columns (the detail below the table still shows the bytes). */
    bool kernel = false;
    if (sv->by == STATS_BY_OP)
        for (int i = 0; i < sv->nops; i++)
            kernel |= sv->s.queue[sv->order[i]].replied > 0;
    /* the key column: an op's name; a process ("pid comm") as `stats`
     * pads it; a file as wide as the longest, within what the screen
     * leaves beside the numbers (94 columns) */
    int kw = 14;
    if (sv->by == STATS_BY_PROCESS) {
        kw = stats_key_def[STATS_KEY_PROCESS].width;
    } else if (sv->by == STATS_BY_FILE) {
        int longest = 4;
        char esc[1024];
        for (size_t i = 0; i < nrows(sv); i++) {
            fmt_escape(esc, sizeof esc, sv->g[i]->key[STATS_KEY_FILE]);
            int tw = text_width(esc);
            if (tw > longest)
                longest = tw;
        }
        kw = COLS - 95 < longest ? COLS - 95 : longest;
        if (kw < 14)
            kw = 14;
    }
    char kh[1100];
    key_cell(kh, sizeof kh, by_name(sv->by), kw, false);
    if (kernel)
        snprintf(line, sizeof line, " %s %10s %8s %9s %9s %9s %9s %9s %10s %9s %9s", kh, "count",
                 "errors", "p50", "p95", "p99", "max", "avg", "total", "queue p50", "queue p99");
    else
        snprintf(line, sizeof line, " %s %10s %8s %9s %9s %9s %9s %9s %10s %12s%s", kh, "count", "errors",
                 "p50", "p95", "p99", "max", "avg", "total", "bytes", sv->by == STATS_BY_OP ? "  share" : "");
    draw_text(w, y++, 0, COLS, line, 0, A_UNDERLINE | A_BOLD);
    int n = (int)nrows(sv);
    int avail = LINES - 4 - y;
    int table_h = n < avail / 2 ? n : avail / 2;
    if (table_h < 3)
        table_h = avail < 3 ? avail : 3;
    if (sv->cur < sv->top)
        sv->top = sv->cur;
    if (sv->cur >= sv->top + table_h)
        sv->top = sv->cur - table_h + 1;
    for (int i = 0; i < table_h && sv->top + i < n; i++) {
        const struct lat_stats *st;
        char nm[32];
        const char *key;
        if (sv->by == STATS_BY_OP) {
            int slot = sv->order[sv->top + i];
            st = &sv->s.op[slot];
            key = op_name(a, slot, nm, sizeof nm);
        } else {
            const struct stats_group *g = sv->g[sv->top + i];
            st = &g->st;
            key = g->key[sv->by == STATS_BY_FILE ? STATS_KEY_FILE : STATS_KEY_PROCESS];
        }
        key_cell(kh, sizeof kh, key, kw, sv->by == STATS_BY_FILE);
        numbers(nums, sizeof nums, st);
        if (kernel) {
            const struct lat_stats *qs = &sv->s.queue[sv->order[sv->top + i]];
            lat_fmt(b[6], sizeof b[6], lat_stats_percentile(qs, LAT_P1), false);
            lat_fmt(b[7], sizeof b[7], lat_stats_percentile(qs, LAT_P3), false);
            snprintf(line, sizeof line, " %s %s %9s %9s", kh, nums, b[6], b[7]);
        } else if (sv->by == STATS_BY_OP) {
            int share = sv->s.total ? (int)(st->count * 20 / sv->s.total) : 0;
            char bar[128] = "";
            for (int k = 0; k < share; k++)
                strcat(bar, "█");
            snprintf(line, sizeof line, " %s %s %12lld  %s", kh, nums, (long long)st->bytes, bar);
        } else {
            snprintf(line, sizeof line, " %s %s %12lld", kh, nums, (long long)st->bytes);
        }
        bool sel = sv->top + i == sv->cur;
        if (sel)
            draw_fill(w, y, 0, COLS, 0, A_REVERSE);
        draw_text(w, y++, 0, COLS, line, st->errors ? CP_ERROR : 0, sel ? A_REVERSE | A_BOLD : 0);
    }
    y = 3 + table_h + 1;
    if (!n) {
        if (sv->job && sv->job_by == sv->by)
            snprintf(line, sizeof line, "reading every request by %s… %.1f s (keys stay live: o for the ops, q back)",
                     by_name(sv->by), (double)(now_ns() - sv->job_t0) / 1e9);
        else if (sv->by == STATS_BY_OP && failed)
            snprintf(line, sizeof line, "the index stopped at %d%%: %s", pm / 10, idx_err);
        else
            snprintf(line, sizeof line, "%s", sv->by == STATS_BY_OP && pm < 1000 ? "indexing…" : "no requests");
        draw_text(w, y, 1, COLS - 1, line, CP_DIM, A_BOLD);
        return;
    }
    /* the selected row's histogram */
    char title[1100];
    const struct lat_stats *sel;
    if (sv->by == STATS_BY_OP) {
        char nm[32];
        sel = &sv->s.op[sv->order[sv->cur]];
        snprintf(title, sizeof title, "%s", op_name(a, sv->order[sv->cur], nm, sizeof nm));
    } else {
        sel = &sv->g[sv->cur]->st;
        fmt_escape(title, sizeof title, sv->g[sv->cur]->key[sv->by == STATS_BY_FILE ? STATS_KEY_FILE
                                                                                     : STATS_KEY_PROCESS]);
    }
    int bottom = LINES - 3;
    y = histogram(a, y, bottom, title, sel);
    /* latency over time: max per column (top), request rate (bottom) */
    y++;
    if (y + 3 > bottom)
        return;
    mvwhline(w, y, 0, ACS_HLINE, COLS);
    int cols = COLS - 12;
    int64_t span = sv->s.bin_w * NBINS;
    fmt_dur(b[0], sizeof b[0], span / (cols > 0 ? cols : 1));
    snprintf(line, sizeof line, " latency over time (all ops; one column = %s): max latency ▲, requests ▼, errors ✗",
             b[0]);
    draw_text(w, y++, 1, COLS - 2, line, CP_TITLE, A_BOLD);
    int64_t colmax[512] = { 0 }, colcnt[512] = { 0 }, colerr[512] = { 0 };
    int64_t mlat = 1, mcnt = 1;
    int last_bin = 0;
    for (int i = 0; i < NBINS; i++)
        if (sv->s.bin[i].count)
            last_bin = i;
    int used_bins = last_bin + 1;
    if (cols > 512)
        cols = 512;
    for (int i = 0; i < used_bins; i++) {
        int c = (int)((int64_t)i * cols / used_bins);
        struct tbin *tb = &sv->s.bin[i];
        if (tb->max > colmax[c]) colmax[c] = tb->max;
        colcnt[c] += tb->count;
        colerr[c] += tb->errors;
    }
    for (int c = 0; c < cols; c++) {
        if (colmax[c] > mlat) mlat = colmax[c];
        if (colcnt[c] > mcnt) mcnt = colcnt[c];
    }
    fmt_dur(b[1], sizeof b[1], mlat);
    snprintf(line, sizeof line, "%9s ", b[1]);
    draw_text(w, y, 0, 11, line, CP_DIM, 0);
    snprintf(line, sizeof line, "%9lld ", (long long)mcnt);
    draw_text(w, y + 1, 0, 11, line, CP_DIM, 0);
    for (int c = 0; c < cols; c++) {
        int lv = (int)(colmax[c] * 8 / mlat), cv = (int)(colcnt[c] * 8 / mcnt);
        if (colmax[c] && !lv) lv = 1;
        if (colcnt[c] && !cv) cv = 1;
        draw_text(w, y, 11 + c, 1, blocks[lv], colmax[c] >= a->slow_ns ? CP_SLOW : CP_OK, 0);
        draw_text(w, y + 1, 11 + c, 1, blocks[cv], CP_DIM, 0);
        if (colerr[c] && y + 2 < bottom)
            draw_text(w, y + 2, 11 + c, 1, "✗", CP_ERROR, 0);
    }
}

/* ---- keys (the Statistics rows of keys.c's table) ---- */

void stats_by_key(struct app *a, int ch)
{
    struct statsview *sv = &a->stv;
    enum stats_by by = ch == 'f' ? STATS_BY_FILE : ch == 'p' ? STATS_BY_PROCESS : STATS_BY_OP;
    if (by != sv->by)
        sv->cur = sv->top = 0;
    sv->by = by;
    groups_load(a);                /* again for the same table only if the session grew */
    clamp_cursor(sv);
}

void stats_move_key(struct app *a, int ch)
{
    struct statsview *sv = &a->stv;
    int n = (int)nrows(sv);
    switch (ch) {
    case 'j': case KEY_DOWN:
        if (sv->cur + 1 < n)
            sv->cur++;
        break;
    case 'k': case KEY_UP:
        if (sv->cur > 0)
            sv->cur--;
        break;
    case 'g': case KEY_HOME:
        sv->cur = 0;
        break;
    default:                       /* G End */
        sv->cur = n ? n - 1 : 0;
        break;
    }
}

/* Enter: the timeline filtered to the selected op, file (the op view's
 * `file`, exactly) or process (its pid: every program that pid ran). */
void stats_enter_key(struct app *a, int ch)
{
    (void)ch;
    struct statsview *sv = &a->stv;
    if (!nrows(sv))
        return;
    char nm[32], err[512];
    int rc;
    if (sv->by == STATS_BY_OP) {
        op_name(a, sv->order[sv->cur], nm, sizeof nm);
        rc = filter_set(&a->filt, FK_OP, nm, err, sizeof err);
    } else if (sv->by == STATS_BY_FILE) {
        char *expr = sqlite3_mprintf("file = %Q", sv->g[sv->cur]->key[STATS_KEY_FILE]);
        rc = expr ? filter_set(&a->filt, FK_SQL, expr, err, sizeof err) : -1;
        sqlite3_free(expr);
    } else {
        /* "pid comm": the pid */
        snprintf(nm, sizeof nm, "%.*s", (int)strcspn(sv->g[sv->cur]->key[STATS_KEY_PROCESS], " "),
                 sv->g[sv->cur]->key[STATS_KEY_PROCESS]);
        rc = filter_set(&a->filt, FK_PROC, nm, err, sizeof err);
    }
    if (rc != 0) {
        app_msg(a, true, "filter rejected: %s", err);
        return;
    }
    char *sql = filter_sql(&a->filt);
    if (vdb_set_filter(&a->v, sql, err, sizeof err) == 0) {
        a->view = VIEW_TIMELINE;
        apply_filters(a);
    } else {
        app_msg(a, true, "filter rejected: %s", err);
    }
    sqlite3_free(sql);
}

void stats_close_key(struct app *a, int ch)
{
    (void)ch;
    a->view = VIEW_TIMELINE;
}
