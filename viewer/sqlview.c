/* sqlview.c — the `;` SQL prompt and its result table.
 *
 * The query runs on the viewer's read-only connection with a time limit
 * (progress handler) and at most MAX_ROWS rows kept.  A row can name a
 * request: a column whose origin is request.id (the `op` view's id too),
 * or a unique_id column of any table, or a column called request_id.
 * Enter on such a row jumps there in the timeline. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "viewer/text.h"

#define MAX_ROWS 5000
#define SQL_TIME_LIMIT_NS 10000000000LL

void sql_free(struct sqlres *r)
{
    for (int i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    for (int i = 0; i < r->ncols; i++)
        free(r->names[i]);
    free(r->cells);
    free(r->names);
    free(r->jump);
    free(r->width);
    free(r->query);
    memset(r, 0, sizeof *r);
}

static int jump_kind(sqlite3_stmt *st, int i)
{
    const char *name = sqlite3_column_name(st, i);
    const char *tab = sqlite3_column_table_name(st, i);
    const char *orig = sqlite3_column_origin_name(st, i);
    if (tab && orig && !strcmp(tab, "request") && !strcmp(orig, "id"))
        return 1;
    if (orig && !strcmp(orig, "unique_id"))
        return 2;
    if (name && !strcasecmp(name, "request_id"))
        return 1;
    if (name && (!strcasecmp(name, "unique_id") || !strcasecmp(name, "unique")))
        return 2;
    return 0;
}

void sql_run(struct app *a, const char *query)
{
    struct sqlres *r = &a->sql;
    sql_free(r);
    r->query = strdup(query);
    a->view = VIEW_SQL;
    a->playing = false;
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int64_t t0 = now_ns();
    a->v.deadline = t0 + SQL_TIME_LIMIT_NS;
    a->v.interrupted = false;
    int rc = sqlite3_prepare_v2(a->v.db, query, -1, &st, &tail);
    if (rc != SQLITE_OK || !st) {
        snprintf(r->error, sizeof r->error, "%s", rc == SQLITE_OK ? "empty statement" : sqlite3_errmsg(a->v.db));
        a->v.deadline = 0;
        sqlite3_finalize(st);
        return;
    }
    if (!sqlite3_stmt_readonly(st)) {
        snprintf(r->error, sizeof r->error, "only read-only statements run here (the recording is opened read-only)");
        a->v.deadline = 0;
        sqlite3_finalize(st);
        return;
    }
    r->ncols = sqlite3_column_count(st);
    r->names = calloc((size_t)(r->ncols ? r->ncols : 1), sizeof *r->names);
    r->jump = calloc((size_t)(r->ncols ? r->ncols : 1), sizeof *r->jump);
    r->width = calloc((size_t)(r->ncols ? r->ncols : 1), sizeof *r->width);
    for (int i = 0; i < r->ncols; i++) {
        char esc[256];
        fmt_escape(esc, sizeof esc, sqlite3_column_name(st, i));
        r->names[i] = strdup(esc);
        r->jump[i] = jump_kind(st, i);
        r->width[i] = text_width(esc);
    }
    int cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->nrows >= MAX_ROWS) {
            r->truncated = true;
            break;
        }
        if (r->nrows == cap) {
            cap = cap ? cap * 2 : 64;
            /* a statement may have no columns: never realloc to 0, which frees */
            char **nc = realloc(r->cells, (size_t)cap * (size_t)(r->ncols ? r->ncols : 1) * sizeof *nc);
            if (!nc)
                break;
            r->cells = nc;
        }
        for (int i = 0; i < r->ncols; i++) {
            char esc[1024];
            if (sqlite3_column_type(st, i) == SQLITE_NULL)
                snprintf(esc, sizeof esc, "NULL");
            else if (sqlite3_column_type(st, i) == SQLITE_BLOB)
                snprintf(esc, sizeof esc, "<blob %d bytes>", sqlite3_column_bytes(st, i));
            else
                fmt_escape(esc, sizeof esc, (const char *)sqlite3_column_text(st, i));
            r->cells[r->nrows * r->ncols + i] = strdup(esc);
            int wd = text_width(esc);
            if (wd > r->width[i])
                r->width[i] = wd > 48 ? 48 : wd;
        }
        r->nrows++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        snprintf(r->error, sizeof r->error, "%s", a->v.interrupted ? "stopped: the query ran longer than 10 s"
                                                                    : sqlite3_errmsg(a->v.db));
    sqlite3_finalize(st);
    a->v.deadline = 0;
    a->v.interrupted = false;
    r->ms = (double)(now_ns() - t0) / 1e6;
    if (tail && *tail && strspn(tail, " \t\r\n;") != strlen(tail))
        snprintf(r->error + strlen(r->error), sizeof r->error - strlen(r->error),
                 "%sonly the first statement ran", r->error[0] ? "; " : "");
}

void sql_draw(struct app *a)
{
    WINDOW *w = a->scr;
    struct sqlres *r = &a->sql;
    char line[2048], q[1024];
    fmt_escape(q, sizeof q, r->query ? r->query : "");
    bool jumpable = false;
    for (int i = 0; i < r->ncols; i++)
        jumpable |= r->jump[i] != 0;
    snprintf(line, sizeof line, " SQL: %s", q);
    draw_text(w, 1, 0, COLS, line, CP_TITLE, A_BOLD);
    snprintf(line, sizeof line, " %d row%s%s in %.1f ms%s · ; new query · q back", r->nrows, r->nrows == 1 ? "" : "s",
             r->truncated ? " (first 5000)" : "", r->ms, jumpable ? " · Enter: jump to the row's request" : "");
    draw_text(w, 2, 0, COLS, line, CP_DIM, 0);
    int y = 3;
    if (r->error[0]) {
        draw_text(w, y++, 1, COLS - 1, r->error, CP_ERROR, A_BOLD);
    }
    if (!r->ncols)
        return;
    /* header */
    int x = 0;
    draw_fill(w, y, 0, COLS, 0, A_UNDERLINE);
    for (int c = r->left; c < r->ncols && x < COLS; c++) {
        draw_text(w, y, x, r->width[c], r->names[c], r->jump[c] ? CP_OK : 0, A_BOLD | A_UNDERLINE);
        x += r->width[c] + 2;
    }
    y++;
    int h = LINES - 2 - y;
    if (r->cur < r->top)
        r->top = r->cur;
    if (r->cur >= r->top + h)
        r->top = r->cur - h + 1;
    for (int i = 0; i < h && r->top + i < r->nrows; i++) {
        int ri = r->top + i;
        bool sel = ri == r->cur;
        if (sel)
            draw_fill(w, y + i, 0, COLS, 0, A_REVERSE);
        x = 0;
        for (int c = r->left; c < r->ncols && x < COLS; c++) {
            draw_text(w, y + i, x, r->width[c], r->cells[ri * r->ncols + c], 0, sel ? A_REVERSE : 0);
            x += r->width[c] + 2;
        }
    }
}

bool sql_key(struct app *a, int ch)
{
    struct sqlres *r = &a->sql;
    int h = LINES - 6;
    switch (ch) {
    case 'j': case KEY_DOWN: if (r->cur + 1 < r->nrows) r->cur++; return true;
    case 'k': case KEY_UP: if (r->cur > 0) r->cur--; return true;
    case KEY_NPAGE: r->cur = r->cur + h < r->nrows ? r->cur + h : (r->nrows ? r->nrows - 1 : 0); return true;
    case KEY_PPAGE: r->cur = r->cur > h ? r->cur - h : 0; return true;
    case 'g': case KEY_HOME: r->cur = 0; return true;
    case 'G': case KEY_END: r->cur = r->nrows ? r->nrows - 1 : 0; return true;
    case 'l': case KEY_RIGHT: if (r->left + 1 < r->ncols) r->left++; return true;
    case 'h': case KEY_LEFT: if (r->left > 0) r->left--; return true;
    case 'q': case 27: a->view = VIEW_TIMELINE; return true;
    case '\n': case '\r': case KEY_ENTER:
        if (r->nrows) {
            for (int kind = 1; kind <= 2; kind++) {
                for (int c = 0; c < r->ncols; c++) {
                    if (r->jump[c] != kind)
                        continue;
                    const char *cell = r->cells[r->cur * r->ncols + c];
                    char *end;
                    long long v = strtoll(cell, &end, 10);
                    if (end == cell || *end)
                        continue;
                    int64_t id = kind == 1 ? v : vdb_id_of_unique(&a->v, v);
                    if (!id) {
                        app_msg(a, true, "no request with unique %lld", v);
                        return true;
                    }
                    a->view = VIEW_TIMELINE;
                    jump_to_id(a, id);
                    return true;
                }
            }
            app_msg(a, true, "this row names no request (needs an id from op/request, a unique_id or request_id)");
        }
        return true;
    default:
        return false;
    }
}
