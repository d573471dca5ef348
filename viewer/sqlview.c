/* sqlview.c — the `;` SQL prompt and its result table.
 *
 * The query runs on a thread of its own (a second read-only connection)
 * with a time limit, and at most MAX_ROWS rows kept; keys stay live.  A row can name a
 * request: a column whose origin is request.id (the `op` view's id too),
 * or a unique_id column of any table, or a column called request_id.
 * Enter on such a row jumps there in the timeline. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "viewer/text.h"

#define MAX_ROWS 5000
#define SQL_TIME_LIMIT_NS 60000000000LL

/* A query runs on its own thread and connection, so a scan of the whole
 * session (an aggregate over 10 M rows takes seconds) never holds up a key:
 * the view shows it running, Esc or q cancels it (sqlite3_interrupt), and
 * the result replaces the view when it is there.  The thread writes only
 * into its job; the UI reads the job after `done` is set. */
struct sqljob {
    pthread_t th;
    sqlite3 *db;               /* the worker's read-only connection */
    char *query;
    struct sqlres res;
    int64_t deadline;
    atomic_bool done;
    bool interrupted;
};

static void res_free(struct sqlres *r)
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

static void job_end(struct sqlres *r)
{
    struct sqljob *j = r->job;
    if (!j)
        return;
    pthread_join(j->th, NULL);
    res_free(&j->res);
    free(j->query);
    if (j->db)
        sqlite3_close(j->db);
    free(j);
    r->job = NULL;
    r->running = false;
}

void sql_free(struct sqlres *r)
{
    if (r->job) {
        sqlite3_interrupt(r->job->db);
        job_end(r);
    }
    res_free(r);
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

static int job_progress(void *arg)
{
    struct sqljob *j = arg;
    if (now_ns() > j->deadline) {
        j->interrupted = true;
        return 1;
    }
    return 0;
}

static void *job_main(void *arg)
{
    struct sqljob *j = arg;
    struct sqlres *r = &j->res;
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int64_t t0 = now_ns();
    j->deadline = t0 + SQL_TIME_LIMIT_NS;
    sqlite3_progress_handler(j->db, 1000, job_progress, j);
    int rc = sqlite3_prepare_v2(j->db, j->query, -1, &st, &tail);
    if (rc != SQLITE_OK || !st) {
        snprintf(r->error, sizeof r->error, "%s", rc == SQLITE_OK ? "empty statement" : sqlite3_errmsg(j->db));
        sqlite3_finalize(st);
        goto out;
    }
    if (!sqlite3_stmt_readonly(st)) {
        snprintf(r->error, sizeof r->error, "only read-only statements run here (the recording is opened read-only)");
        sqlite3_finalize(st);
        goto out;
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
        snprintf(r->error, sizeof r->error, "%s", j->interrupted ? "stopped: the query ran longer than 60 s"
                                                                  : sqlite3_errmsg(j->db));
    sqlite3_finalize(st);
    if (tail && *tail && strspn(tail, " \t\r\n;") != strlen(tail))
        snprintf(r->error + strlen(r->error), sizeof r->error - strlen(r->error),
                 "%sonly the first statement ran", r->error[0] ? "; " : "");
out:
    r->ms = (double)(now_ns() - t0) / 1e6;
    atomic_store(&j->done, true);
    return NULL;
}

void sql_run(struct app *a, const char *query)
{
    struct sqlres *r = &a->sql;
    sql_free(r);
    r->query = strdup(query);
    a->view = VIEW_SQL;
    a->playing = false;
    struct sqljob *j = calloc(1, sizeof *j);
    char err[512];
    if (!j || !(j->query = strdup(query))) {
        snprintf(r->error, sizeof r->error, "out of memory");
        free(j);
        return;
    }
    if (vdb_open_more(&a->v, &j->db, err, sizeof err) != 0) {
        snprintf(r->error, sizeof r->error, "%.500s", err);
        free(j->query);
        free(j);
        return;
    }
    atomic_init(&j->done, false);
    r->job = j;
    r->running = true;
    r->t0 = now_ns();
    if (pthread_create(&j->th, NULL, job_main, j) != 0) {
        snprintf(r->error, sizeof r->error, "cannot start the query thread");
        sqlite3_close(j->db);
        free(j->query);
        free(j);
        r->job = NULL;
        r->running = false;
    }
}

bool sql_poll(struct app *a)
{
    struct sqlres *r = &a->sql;
    struct sqljob *j = r->job;
    if (!j || !atomic_load(&j->done))
        return false;
    pthread_join(j->th, NULL);
    struct sqlres res = j->res;   /* take the result over */
    memset(&j->res, 0, sizeof j->res);
    char *query = r->query;
    r->query = NULL;
    r->job = NULL;
    if (j->db)
        sqlite3_close(j->db);
    free(j->query);
    free(j);
    res_free(r);
    *r = res;
    r->query = query;
    r->running = false;
    return true;
}

static void sql_cancel(struct app *a)
{
    struct sqlres *r = &a->sql;
    if (!r->job)
        return;
    sqlite3_interrupt(r->job->db);
    job_end(r);
    snprintf(r->error, sizeof r->error, "cancelled");
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
    if (r->running) {
        snprintf(line, sizeof line, " running… %.1f s · Esc or q cancels", (double)(now_ns() - r->t0) / 1e9);
        draw_text(w, 2, 0, COLS, line, CP_DIM, A_BOLD);
        return;
    }
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
    if (r->running) {
        if (ch == 'q' || ch == 27) {
            sql_cancel(a);
            a->view = VIEW_TIMELINE;
            return true;
        }
        return ch != ';';      /* a new query (;) replaces the running one */
    }
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
