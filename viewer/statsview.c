/* statsview.c — per-op statistics (Trace Compass's latency quartet in a
 * terminal): a table of count, errors and latency percentiles per op (and,
 * with the kernel's side recorded, percentiles of the time requests waited
 * in the kernel's queue before the daemon read them), the
 * selected op's latency histogram, and latency over the session's time.
 * The numbers come from the state builder's single pass (state.c): the
 * view never scans the session itself, so it opens at once and fills in
 * while the pass runs.  The columns and their numbers are those of
 * `fusetrace stats --by=op` (util/lat_stats.h computes both: percentiles
 * from a log histogram, within 6.25 %); requests without a reply (FORGET)
 * are counted and show "-" for latency.  Enter filters the timeline to the
 * selected op. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <stdio.h>
#include <string.h>

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
    if (sv->cur >= sv->nops)
        sv->cur = sv->nops ? sv->nops - 1 : 0;
}

void stats_open(struct app *a)
{
    a->view = VIEW_STATS;
    a->playing = false;
    stats_refresh(a);
}

static const char *const blocks[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };

void stats_draw(struct app *a)
{
    WINDOW *w = a->scr;
    struct statsview *sv = &a->stv;
    stats_refresh(a);
    int pm = state_idx_permille(&a->idx, a->v.min_id, a->v.max_id);
    char line[1024], b[8][32];
    snprintf(line, sizeof line, " Statistics — whole session%s  (%lld requests, %lld errors, %lld slow >= ",
             pm < 1000 ? "" : "", (long long)sv->s.total, (long long)sv->s.errors, (long long)sv->s.slow);
    fmt_dur(b[0], sizeof b[0], a->slow_ns);
    size_t o = strlen(line);
    snprintf(line + o, sizeof line - o, "%s)%s   Enter: filter the timeline to the op · q back", b[0],
             pm < 1000 ? "  [indexing…]" : "");
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
    for (int i = 0; i < sv->nops; i++)
        kernel |= sv->s.queue[sv->order[i]].replied > 0;
    if (kernel)
        snprintf(line, sizeof line, " %-14s %10s %8s %9s %9s %9s %9s %9s %10s %9s %9s", "op", "count",
                 "errors", "p50", "p95", "p99", "max", "avg", "total", "queue p50", "queue p99");
    else
        snprintf(line, sizeof line, " %-14s %10s %8s %9s %9s %9s %9s %9s %10s %12s  %s", "op", "count", "errors",
                 "p50", "p95", "p99", "max", "avg", "total", "bytes", "share");
    draw_text(w, y++, 0, COLS, line, 0, A_UNDERLINE | A_BOLD);
    int avail = LINES - 4 - y;
    int table_h = sv->nops < avail / 2 ? sv->nops : avail / 2;
    if (table_h < 3)
        table_h = avail < 3 ? avail : 3;
    if (sv->cur < sv->top)
        sv->top = sv->cur;
    if (sv->cur >= sv->top + table_h)
        sv->top = sv->cur - table_h + 1;
    for (int i = 0; i < table_h && sv->top + i < sv->nops; i++) {
        int slot = sv->order[sv->top + i];
        struct lat_stats *op = &sv->s.op[slot];
        char nm[32];
        bool none = !op->replied;            /* FORGET: no latency, not 0 ns */
        lat_fmt(b[0], sizeof b[0], lat_stats_percentile(op, LAT_P1), false);
        lat_fmt(b[1], sizeof b[1], lat_stats_percentile(op, LAT_P2), false);
        lat_fmt(b[2], sizeof b[2], lat_stats_percentile(op, LAT_P3), false);
        lat_fmt(b[3], sizeof b[3], none ? -1 : op->max, false);
        lat_fmt(b[4], sizeof b[4], lat_stats_avg(op), false);
        lat_fmt(b[5], sizeof b[5], none ? -1 : op->sum, false);
        int share = sv->s.total ? (int)(op->count * 20 / sv->s.total) : 0;
        char bar[128] = "";
        for (int k = 0; k < share; k++)
            strcat(bar, "█");
        if (kernel) {
            const struct lat_stats *qs = &sv->s.queue[slot];
            lat_fmt(b[6], sizeof b[6], lat_stats_percentile(qs, LAT_P1), false);
            lat_fmt(b[7], sizeof b[7], lat_stats_percentile(qs, LAT_P3), false);
            snprintf(line, sizeof line, " %-14s %10lld %8lld %9s %9s %9s %9s %9s %10s %9s %9s",
                     op_name(a, slot, nm, sizeof nm), (long long)op->count, (long long)op->errors, b[0], b[1],
                     b[2], b[3], b[4], b[5], b[6], b[7]);
        } else {
            snprintf(line, sizeof line, " %-14s %10lld %8lld %9s %9s %9s %9s %9s %10s %12lld  %s",
                     op_name(a, slot, nm, sizeof nm), (long long)op->count, (long long)op->errors, b[0], b[1],
                     b[2], b[3], b[4], b[5], (long long)op->bytes, bar);
        }
        bool sel = sv->top + i == sv->cur;
        if (sel)
            draw_fill(w, y, 0, COLS, 0, A_REVERSE);
        draw_text(w, y++, 0, COLS, line, op->errors ? CP_ERROR : 0, sel ? A_REVERSE | A_BOLD : 0);
    }
    y = 3 + table_h + 1;
    if (!sv->nops) {
        draw_text(w, y, 1, COLS - 1, pm < 1000 ? "indexing…" : "no requests", CP_DIM, A_BOLD);
        return;
    }
    /* histogram of the selected op, one row per power of two */
    int slot = sv->order[sv->cur];
    struct lat_stats *op = &sv->s.op[slot];
    char nm[32];
    int bottom = LINES - 3;
    int hist_rows = (bottom - y) - 6;
    snprintf(line, sizeof line, " latency histogram: %s (%lld replies)", op_name(a, slot, nm, sizeof nm),
             (long long)op->replied);
    mvwhline(w, y, 0, ACS_HLINE, COLS);
    draw_text(w, y++, 1, COLS - 2, line, CP_TITLE, A_BOLD);
    int64_t pow_count[48] = { 0 };
    int lo = 47, hi = 0;
    for (int bk = 0; bk < LAT_BUCKETS; bk++) {
        if (!op->hist[bk])
            continue;
        int64_t low = lat_bucket_low(bk);
        int p = low > 0 ? 63 - __builtin_clzll((unsigned long long)low) : 0;
        if (p > 47)
            p = 47;
        pow_count[p] += op->hist[bk];
        if (p < lo) lo = p;
        if (p > hi) hi = p;
    }
    int64_t maxc = 1;
    for (int p = lo; p <= hi; p++)
        if (pow_count[p] > maxc)
            maxc = pow_count[p];
    int barw = COLS - 32;
    for (int p = lo; p <= hi && hist_rows > 0; p++, hist_rows--) {
        fmt_dur(b[0], sizeof b[0], (int64_t)1 << p);
        int len = (int)(pow_count[p] * barw / maxc);
        char bar[1024] = "";
        for (int k = 0; k < len && k < 300; k++)
            strcat(bar, "■");
        snprintf(line, sizeof line, " >=%9.9s %10lld %.960s", b[0], (long long)pow_count[p], bar);
        draw_text(w, y++, 0, COLS, line, p >= 20 ? CP_SLOW : CP_OK, 0);
    }
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

bool stats_key(struct app *a, int ch)
{
    struct statsview *sv = &a->stv;
    switch (ch) {
    case 'j': case KEY_DOWN:
        if (sv->cur + 1 < sv->nops)
            sv->cur++;
        return true;
    case 'k': case KEY_UP:
        if (sv->cur > 0)
            sv->cur--;
        return true;
    case 'g': case KEY_HOME: sv->cur = 0; return true;
    case 'G': case KEY_END: sv->cur = sv->nops ? sv->nops - 1 : 0; return true;
    case '\n': case '\r': case KEY_ENTER: {
        if (!sv->nops)
            return true;
        char nm[32], err[512];
        op_name(a, sv->order[sv->cur], nm, sizeof nm);
        if (filter_set(&a->filt, FK_OP, nm, err, sizeof err) == 0) {
            char *sql = filter_sql(&a->filt);
            if (vdb_set_filter(&a->v, sql, err, sizeof err) == 0) {
                a->view = VIEW_TIMELINE;
                apply_filters(a);
            } else {
                app_msg(a, true, "filter rejected: %s", err);
            }
            sqlite3_free(sql);
        }
        return true;
    }
    case 'q': case 'i': case 27:
        a->view = VIEW_TIMELINE;
        return true;
    default:
        return false;
    }
}
