/* draw.c — screen primitives and the frame of the timeline view. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "schemas/db_format.h"
#include "viewer/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "viewer/text.h"

#define MIN_COLS 60
#define MIN_LINES 12
#define PANES_MIN_LINES 22

static bool g_colors;          /* colour pairs usable (set once at start) */

void draw_init_colors(struct app *a)
{
    a->colors = g_colors = has_colors();
    if (!a->colors)
        return;
    start_color();
    use_default_colors();
    init_pair(CP_ERROR, COLOR_RED, -1);
    init_pair(CP_SLOW, COLOR_YELLOW, -1);
    init_pair(CP_FLIGHT, COLOR_CYAN, -1);
    init_pair(CP_HEADER, COLOR_BLACK, COLOR_CYAN);
    init_pair(CP_KEY, COLOR_BLACK, COLOR_CYAN);
    init_pair(CP_STATUS, COLOR_BLACK, COLOR_WHITE);
    init_pair(CP_OK, COLOR_GREEN, -1);
    init_pair(CP_DIM, COLOR_BLUE, -1);
    init_pair(CP_WARN, COLOR_WHITE, COLOR_RED);
    init_pair(CP_TITLE, COLOR_CYAN, -1);
}

/* Draw UTF-8 text in at most maxw columns.  Text that does not fit ends in
 * "…" where it is cut, so a cut value never reads as a complete one (a
 * number cut short would look like a smaller number); trailing spaces
 * (padding) are cut silently.  The text should already be escaped
 * (fmt_escape); as a second line of defence any control character or
 * unprintable code point that still arrives is drawn as '?', so nothing can
 * reach the terminal as a control sequence. */
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, int pair, attr_t attr)
{
    if (maxw <= 0 || !s)
        return 0;
    wchar_t buf[512];
    int n = 0, cols = 0;
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    size_t len = strlen(s);
    while (len && n < 511) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, len, &ps);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            wc = L'?';
            k = 1;
            memset(&ps, 0, sizeof ps);
        }
        if (wc < 0x20 || (wc >= 0x7f && wc < 0xa0))
            wc = L'?';
        int cw = wcwidth(wc);
        if (cw < 0) {
            wc = L'?';
            cw = 1;
        }
        if (cols + cw > maxw)
            break;
        buf[n++] = wc;
        cols += cw;
        s += k;
        len -= k;
    }
    if (len && s[strspn(s, " ")]) {
        /* cut: make room for the ellipsis */
        while (n > 0 && cols + 1 > maxw) {
            int cw = wcwidth(buf[--n]);
            cols -= cw > 0 ? cw : 1;
        }
        if (cols + 1 <= maxw) {
            buf[n++] = L'…';
            cols++;
        }
    }
    buf[n] = 0;
    if (pair && g_colors)
        wattron(w, COLOR_PAIR(pair));
    if (attr)
        wattron(w, attr);
    mvwaddnwstr(w, y, x, buf, n);
    if (attr)
        wattroff(w, attr);
    if (pair && g_colors)
        wattroff(w, COLOR_PAIR(pair));
    return cols;
}

void draw_fill(WINDOW *w, int y, int x, int width, int pair, attr_t attr)
{
    if (width <= 0)
        return;
    if (pair && g_colors)
        wattron(w, COLOR_PAIR(pair));
    if (attr)
        wattron(w, attr);
    mvwhline(w, y, x, ' ', width);
    if (attr)
        wattroff(w, attr);
    if (pair && g_colors)
        wattroff(w, COLOR_PAIR(pair));
}

void app_msg(struct app *a, bool err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_err = err;
    a->msg_until = now_ns() + 4000000000LL;
}

void draw_layout(struct app *a)
{
    WINDOW *old = a->scr;
    a->scr = newwin(LINES, COLS, 0, 0);
    if (a->scr_pan) {
        replace_panel(a->scr_pan, a->scr);
        delwin(old);
    } else {
        a->scr_pan = new_panel(a->scr);
    }
    keypad(a->scr, TRUE);
    a->too_small = COLS < MIN_COLS || LINES < MIN_LINES;
    if (a->help) {
        help_toggle(a);        /* re-create the popup for the new size */
        help_toggle(a);
    }
}

int draw_body_top(void)
{
    return 2;                  /* title line + column header */
}

void draw_pane_geometry(struct app *a, int *tl_h, int *pane_y, int *pane_h, int *det_w)
{
    int body = LINES - 4;      /* title, column header, status, key bar */
    if (a->zoom || LINES < PANES_MIN_LINES) {
        *tl_h = body;
        *pane_y = *pane_h = 0;
    } else {
        *tl_h = body * 2 / 5;
        if (*tl_h < 5)
            *tl_h = 5;
        *pane_y = 2 + *tl_h;
        *pane_h = body - *tl_h;
    }
    *det_w = COLS * 11 / 20;
}

static void title_draw(struct app *a)
{
    WINDOW *w = a->scr;
    draw_fill(w, 0, 0, COLS, CP_HEADER, a->colors ? 0 : A_REVERSE);
    char file[512], line[1200];
    fmt_escape(file, sizeof file, a->v.path);
    const char *st = tracedb_status_name(a->v.info.status);
    char sess[300] = "";
    if (a->v.session_title[0]) {
        char esc[280];
        fmt_escape(esc, sizeof esc, a->v.session_title);
        snprintf(sess, sizeof sess, "  <%s>", esc);
    }
    snprintf(line, sizeof line, " fusetrace view  %s%s  [%s%s]", file, sess, st,
             a->v.info.live ? ", live" : "");
    int x = draw_text(w, 0, 0, COLS, line, CP_HEADER, a->colors ? A_BOLD : A_REVERSE | A_BOLD);
    if (a->v.info.status == TRACEDB_INCOMPLETE && x + 4 < COLS) {
        char why[700];
        fmt_escape(why, sizeof why, a->v.info.reason);
        snprintf(line, sizeof line, "  INCOMPLETE: %s", why);
        draw_text(w, 0, x, COLS - x, line, CP_WARN, A_BOLD);
    }
}

static void status_draw(struct app *a, int y)
{
    WINDOW *w = a->scr;
    draw_fill(w, y, 0, COLS, CP_STATUS, a->colors ? 0 : A_REVERSE);
    if (a->pr.kind != PR_NONE) {
        prompt_draw(a, y);
        return;
    }
    const struct oprow *r = tl_cursor(a);
    char pos[96], t[32], speed[32], cnt[160], fil[600] = "", extra[160] = "";
    int64_t span = a->v.max_id - a->v.min_id + 1;
    if (r)
        snprintf(pos, sizeof pos, "#%lld/%lld %3lld%%", (long long)FLEET_KEY_OWN(r->id),
                 (long long)FLEET_KEY_OWN(a->v.max_id),
                 span > 0 ? (long long)((r->id - a->v.min_id + 1) * 100 / span) : 0LL);
    else
        snprintf(pos, sizeof pos, "no rows/%lld", (long long)a->v.max_id);
    fmt_ts(t, sizeof t, r ? r->ts - a->v.t_first : 0);
    struct vstats *s = &a->stv.s;
    state_idx_stats(&a->idx, s);
    int pm = state_idx_permille(&a->idx, a->v.min_id, a->v.max_id);
    /* while the index is built the counts are partial: "so far" says so
     * (an ellipsis after a number would read as a number cut short) */
    snprintf(cnt, sizeof cnt, "req %lld err %lld slow %lld%s", (long long)a->v.max_id - (long long)a->v.min_id + 1,
             (long long)s->errors, (long long)s->slow, pm < 1000 ? " so far" : "");
    char idx_err[sizeof a->idx.error];
    if (state_idx_error(&a->idx, idx_err, sizeof idx_err))
        snprintf(extra, sizeof extra, " idx FAILED at %d%%: %.120s", pm / 10, idx_err);
    else if (pm < 1000)
        snprintf(extra, sizeof extra, " idx %d%%", pm / 10);
    double sp = play_speeds[a->speed_i];
    if (a->follow && !a->playing)
        snprintf(speed, sizeof speed, "FOLLOW");   /* live: not paused, new requests come in */
    else if (sp == 1.0)
        snprintf(speed, sizeof speed, "%s ×1 as recorded%s", a->playing ? "PLAY" : "PAUSE",
                 a->follow ? " FOLLOW" : "");
    else
        snprintf(speed, sizeof speed, "%s ×%g%s", a->playing ? "PLAY" : "PAUSE", sp, a->follow ? " FOLLOW" : "");
    if (filter_count(&a->filt)) {
        char d[512];
        filter_describe(&a->filt, d, sizeof d);
        snprintf(fil, sizeof fil, " FILTER %s |", d);
    }
    char line[1600];
    snprintf(line, sizeof line, " %s +%ss | %s | lost %lld |%s %s%s%s%s", pos, t, cnt,
             (long long)a->v.info.events_lost, fil, speed,
             a->tl.pending ? " scanning…" : "", a->job.active ? " searching…" : "", extra);
    draw_text(w, y, 0, COLS, line, CP_STATUS, a->colors ? 0 : A_REVERSE);
}

static void too_small_draw(struct app *a)
{
    WINDOW *w = a->scr;
    werase(w);
    char l1[64], l2[64];
    snprintf(l1, sizeof l1, "terminal too small (%dx%d)", COLS, LINES);
    snprintf(l2, sizeof l2, "need %dx%d - q quits", MIN_COLS, MIN_LINES);
    int y = LINES / 2 - 1;
    if (y < 0)
        y = 0;
    int x1 = (COLS - (int)strlen(l1)) / 2, x2 = (COLS - (int)strlen(l2)) / 2;
    draw_text(w, y, x1 < 0 ? 0 : x1, COLS, l1, 0, A_BOLD);
    if (y + 1 < LINES)
        draw_text(w, y + 1, x2 < 0 ? 0 : x2, COLS, l2, 0, 0);
}

void draw_screen(struct app *a)
{
    WINDOW *w = a->scr;
    if (a->too_small) {
        too_small_draw(a);
        if (a->pop_pan)
            hide_panel(a->pop_pan);
        update_panels();
        doupdate();
        return;
    }
    werase(w);
    title_draw(a);
    if (a->view == VIEW_STATS) {
        stats_draw(a);
    } else if (a->view == VIEW_SQL) {
        sql_draw(a);
    } else {
        int tl_h, pane_y, pane_h, det_w;
        draw_pane_geometry(a, &tl_h, &pane_y, &pane_h, &det_w);
        tl_draw(a, 1, tl_h + 1);
        if (pane_h > 2) {
            detail_draw(a, pane_y, 0, pane_h, det_w);
            state_draw(a, pane_y, det_w + 1, pane_h, COLS - det_w - 1);
            mvwvline(w, pane_y, det_w, ACS_VLINE, pane_h);
        }
    }
    status_draw(a, LINES - 2);
    if (a->msg[0] && now_ns() < a->msg_until) {
        /* messages take the key bar's line for a few seconds, so the
         * status bar (position, filters) stays visible */
        char m[700];
        fmt_escape(m, sizeof m, a->msg);
        draw_fill(w, LINES - 1, 0, COLS, a->msg_err ? CP_WARN : 0, 0);
        draw_text(w, LINES - 1, 0, COLS, m, a->msg_err ? CP_WARN : CP_TITLE, A_BOLD);
    } else {
        keybar_draw(a, LINES - 1);
    }
    if (a->pop_pan) {
        show_panel(a->pop_pan);
        help_draw(a);
        top_panel(a->pop_pan);
    }
    update_panels();
    doupdate();
}
