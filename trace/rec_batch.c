/* rec_batch.c — see rec_batch.h. */
#include "trace/rec_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prepare (once) the statement for `rows` rows of width index `w`. */
static struct batch_stmt *stmt_for(struct batch *b, int w, int rows, char *err, size_t errlen)
{
    struct batch_stmt *s = &b->stmts[w][rows];
    if (s->st)
        return s;
    int width = b->widths[w];
    size_t cap = strlen(b->prefix) + 32;
    for (int c = 0; c < width; c++)
        cap += strlen(b->cols[c]) + 1;
    cap += (size_t)rows * ((size_t)width * 2 + 4);
    char *sql = malloc(cap);
    uint8_t *is_null = malloc((size_t)rows * (size_t)width);
    if (!sql || !is_null) {
        free(sql);
        free(is_null);
        if (err)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t o = (size_t)snprintf(sql, cap, "%s(", b->prefix);
    for (int c = 0; c < width; c++)
        o += (size_t)snprintf(sql + o, cap - o, "%s%s", c ? "," : "", b->cols[c]);
    o += (size_t)snprintf(sql + o, cap - o, ") VALUES");
    for (int r = 0; r < rows; r++) {
        sql[o++] = r ? ',' : ' ';
        sql[o++] = '(';
        for (int c = 0; c < width; c++) {
            if (c)
                sql[o++] = ',';
            sql[o++] = '?';
        }
        sql[o++] = ')';
    }
    sql[o] = 0;
    int rc = sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
    if (rc != SQLITE_OK) {
        if (err)
            snprintf(err, errlen, "preparing %.60s...: %s", sql, sqlite3_errmsg(b->db));
        sqlite3_finalize(s->st);
        s->st = NULL;
        free(is_null);
        free(sql);
        return NULL;
    }
    free(sql);
    /* A freshly prepared statement has every parameter NULL. */
    memset(is_null, 1, (size_t)rows * (size_t)width);
    s->is_null = is_null;
    return s;
}

int batch_init(struct batch *b, sqlite3 *db, const char *insert, int ncols,
               const int *widths, int nwidths, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->db = db;
    b->ncols = ncols;
    const char *open = strchr(insert, '(');
    const char *close = open ? strrchr(insert, ')') : NULL;
    if (!open || !close || ncols < 1 || nwidths > BATCH_MAX_WIDTHS) {
        snprintf(err, errlen, "bad insert %.60s", insert);
        return SQLITE_MISUSE;
    }
    b->prefix = strndup(insert, (size_t)(open - insert));
    b->cols = calloc((size_t)ncols, sizeof *b->cols);
    b->vals = calloc((size_t)BATCH_ROWS * (size_t)ncols, sizeof *b->vals);
    if (!b->prefix || !b->cols || !b->vals) {
        snprintf(err, errlen, "out of memory");
        return SQLITE_NOMEM;
    }
    const char *p = open + 1;
    for (int c = 0; c < ncols; c++) {
        const char *e = c == ncols - 1 ? close : strchr(p, ',');
        if (!e || e > close) {
            snprintf(err, errlen, "insert %.60s: fewer than %d columns", insert, ncols);
            return SQLITE_MISUSE;
        }
        b->cols[c] = strndup(p, (size_t)(e - p));
        if (!b->cols[c]) {
            snprintf(err, errlen, "out of memory");
            return SQLITE_NOMEM;
        }
        p = e + 1;
    }
    if (widths && nwidths > 0) {
        for (int i = 0; i < nwidths; i++)
            b->widths[i] = widths[i];
        b->nwidths = nwidths;
    } else {
        b->widths[0] = ncols;
        b->nwidths = 1;
    }
    if (b->widths[b->nwidths - 1] != ncols) {
        snprintf(err, errlen, "insert %.60s: widest width is not %d", insert, ncols);
        return SQLITE_MISUSE;
    }
    /* The widest statements now, so a schema mismatch fails at creation. */
    if (!stmt_for(b, b->nwidths - 1, BATCH_ROWS, err, errlen)
        || !stmt_for(b, b->nwidths - 1, 1, err, errlen))
        return SQLITE_ERROR;
    return SQLITE_OK;
}

void batch_free(struct batch *b)
{
    for (int w = 0; w < BATCH_MAX_WIDTHS; w++)
        for (int k = 0; k <= BATCH_ROWS; k++) {
            sqlite3_finalize(b->stmts[w][k].st);
            free(b->stmts[w][k].is_null);
        }
    if (b->cols)
        for (int c = 0; c < b->ncols; c++)
            free(b->cols[c]);
    free(b->cols);
    free(b->prefix);
    free(b->vals);
    free(b->arena);
    memset(b, 0, sizeof *b);
}

static struct batch_val *next_val(struct batch *b)
{
    /* A caller that supplies too many columns is a programming error; the
     * extra values land in the last column rather than out of bounds. */
    int c = b->col < b->ncols ? b->col++ : b->ncols - 1;
    return &b->vals[b->nrows * b->ncols + c];
}

void batch_null(struct batch *b)
{
    next_val(b)->type = 0;
}

void batch_int(struct batch *b, int64_t v)
{
    struct batch_val *x = next_val(b);
    x->type = 1;
    x->i = v;
}

void batch_opt(struct batch *b, bool present, int64_t v)
{
    if (present)
        batch_int(b, v);
    else
        batch_null(b);
}

static void put_bytes(struct batch *b, uint8_t type, const void *p, size_t n)
{
    struct batch_val *x = next_val(b);
    if (!p) {
        x->type = 0;
        return;
    }
    if (b->arena_len + n + 1 > b->arena_cap) {
        size_t ncap = b->arena_cap ? b->arena_cap : 4096;
        while (ncap < b->arena_len + n + 1)
            ncap *= 2;
        uint8_t *na = realloc(b->arena, ncap);
        if (!na) {
            b->oom = true;
            x->type = 0;
            return;
        }
        b->arena = na;
        b->arena_cap = ncap;
    }
    if (n)
        memcpy(b->arena + b->arena_len, p, n);
    x->type = type;
    x->off = b->arena_len;
    x->len = n;
    b->arena_len += n;
}

void batch_text(struct batch *b, const char *s, size_t n)
{
    put_bytes(b, 2, s, n);
}

void batch_blob(struct batch *b, const void *p, size_t n)
{
    put_bytes(b, 3, p, n);
}

static int bind_row(struct batch *b, struct batch_stmt *s, int width, int row, int prow)
{
    int rc = SQLITE_OK;
    const struct batch_val *v = &b->vals[row * b->ncols];
    uint8_t *is_null = s->is_null + prow * width;
    int base = prow * width;
    for (int c = 0; c < width && rc == SQLITE_OK; c++) {
        const struct batch_val *x = &v[c];
        if (x->type == 0) {
            if (is_null[c])
                continue;
            is_null[c] = 1;
            rc = sqlite3_bind_null(s->st, base + c + 1);
            continue;
        }
        is_null[c] = 0;
        switch (x->type) {
        case 1:
            rc = sqlite3_bind_int64(s->st, base + c + 1, x->i);
            break;
        case 2:
            rc = sqlite3_bind_text(s->st, base + c + 1, (const char *)b->arena + x->off,
                                   (int)x->len, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_blob(s->st, base + c + 1, b->arena + x->off, (int)x->len,
                                   SQLITE_STATIC);
            break;
        }
    }
    return rc;
}

/* Write buffered rows [0, n) through the width-`w` statement. */
static int write_rows(struct batch *b, int w, int n)
{
    if (n == 0)
        return SQLITE_OK;
    struct batch_stmt *s = stmt_for(b, w, n, NULL, 0);
    if (!s)
        return SQLITE_NOMEM;
    int width = b->widths[w];
    int rc = SQLITE_OK;
    for (int r = 0; r < n && rc == SQLITE_OK; r++)
        rc = bind_row(b, s, width, r, r);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(s->st);
    int rrc = sqlite3_reset(s->st);
    if (rc == SQLITE_DONE) {
        b->rows += (uint64_t)n;
        int changed = sqlite3_changes(b->db);
        if (changed < n)
            b->ignored += (uint64_t)(n - changed);
        return SQLITE_OK;
    }
    return rrc != SQLITE_OK ? rrc : rc;
}

/* Width index of buffered row `row`: the narrowest holding its values. */
static int row_width(const struct batch *b, int row)
{
    const struct batch_val *v = &b->vals[row * b->ncols];
    int last = b->ncols;
    while (last > 0 && v[last - 1].type == 0)
        last--;
    int w = 0;
    while (b->widths[w] < last)
        w++;
    return w;
}

int batch_row(struct batch *b)
{
    while (b->col < b->ncols)
        batch_null(b);
    b->col = 0;
    /* The buffered rows go together through the narrowest statement that
     * holds all of them: a wider row widens the batch, it never splits it
     * (a statement per row would cost more than the NULLs it saves). */
    int w = row_width(b, b->nrows);
    if (b->nrows == 0 || w > b->run)
        b->run = w;
    b->nrows++;
    if (b->nrows < BATCH_ROWS)
        return SQLITE_OK;
    int rc = write_rows(b, b->run, BATCH_ROWS);
    b->nrows = 0;
    b->arena_len = 0;
    return rc;
}

int batch_flush(struct batch *b)
{
    int rc = write_rows(b, b->run, b->nrows);
    b->nrows = 0;
    b->col = 0;
    b->arena_len = 0;
    return rc;
}

void batch_discard(struct batch *b)
{
    b->nrows = 0;
    b->col = 0;
    b->arena_len = 0;
}
