/* rec_batch.c — see rec_batch.h. */
#include "trace/rec_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int prepare_rows(struct batch *b, const char *insert, int rows,
                        sqlite3_stmt **st, char *err, size_t errlen)
{
    size_t cap = strlen(insert) + 16 + (size_t)rows * ((size_t)b->ncols * 2 + 4);
    char *sql = malloc(cap);
    if (!sql) {
        snprintf(err, errlen, "out of memory");
        return SQLITE_NOMEM;
    }
    size_t o = (size_t)snprintf(sql, cap, "%s VALUES", insert);
    for (int r = 0; r < rows; r++) {
        sql[o++] = r ? ',' : ' ';
        sql[o++] = '(';
        for (int c = 0; c < b->ncols; c++) {
            if (c)
                sql[o++] = ',';
            sql[o++] = '?';
        }
        sql[o++] = ')';
    }
    sql[o] = 0;
    int rc = sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "preparing %.60s...: %s", insert, sqlite3_errmsg(b->db));
    free(sql);
    return rc;
}

int batch_init(struct batch *b, sqlite3 *db, const char *insert, int ncols,
               char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->db = db;
    b->ncols = ncols;
    b->vals = calloc((size_t)BATCH_ROWS * (size_t)ncols, sizeof *b->vals);
    if (!b->vals) {
        snprintf(err, errlen, "out of memory");
        return SQLITE_NOMEM;
    }
    /* A freshly prepared statement has every parameter NULL. */
    b->multi_null = malloc((size_t)BATCH_ROWS * (size_t)ncols);
    b->single_null = malloc((size_t)ncols);
    if (!b->multi_null || !b->single_null) {
        snprintf(err, errlen, "out of memory");
        return SQLITE_NOMEM;
    }
    memset(b->multi_null, 1, (size_t)BATCH_ROWS * (size_t)ncols);
    memset(b->single_null, 1, (size_t)ncols);
    int rc = prepare_rows(b, insert, BATCH_ROWS, &b->multi, err, errlen);
    if (rc == SQLITE_OK)
        rc = prepare_rows(b, insert, 1, &b->single, err, errlen);
    return rc;
}

void batch_free(struct batch *b)
{
    sqlite3_finalize(b->multi);
    sqlite3_finalize(b->single);
    free(b->vals);
    free(b->arena);
    free(b->multi_null);
    free(b->single_null);
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

static int bind_row(struct batch *b, sqlite3_stmt *st, uint8_t *is_null, int base, int row)
{
    int rc = SQLITE_OK;
    for (int c = 0; c < b->ncols && rc == SQLITE_OK; c++) {
        const struct batch_val *x = &b->vals[row * b->ncols + c];
        int idx = base + c + 1;
        if (x->type == 0 && is_null[base + c])
            continue;
        is_null[base + c] = x->type == 0;
        switch (x->type) {
        case 1:
            rc = sqlite3_bind_int64(st, idx, x->i);
            break;
        case 2:
            rc = sqlite3_bind_text(st, idx, (const char *)b->arena + x->off,
                                   (int)x->len, SQLITE_STATIC);
            break;
        case 3:
            rc = sqlite3_bind_blob(st, idx, b->arena + x->off, (int)x->len,
                                   SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(st, idx);
            break;
        }
    }
    return rc;
}

static int run(struct batch *b, sqlite3_stmt *st, int rows)
{
    int rc = sqlite3_step(st);
    int rrc = sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        b->rows += (uint64_t)rows;
        int changed = sqlite3_changes(b->db);
        if (changed < rows)
            b->ignored += (uint64_t)(rows - changed);
        return SQLITE_OK;
    }
    return rrc != SQLITE_OK ? rrc : rc;
}

int batch_row(struct batch *b)
{
    while (b->col < b->ncols)
        batch_null(b);
    b->col = 0;
    b->nrows++;
    if (b->nrows < BATCH_ROWS)
        return SQLITE_OK;
    int rc = SQLITE_OK;
    for (int r = 0; r < BATCH_ROWS && rc == SQLITE_OK; r++)
        rc = bind_row(b, b->multi, b->multi_null, r * b->ncols, r);
    if (rc == SQLITE_OK)
        rc = run(b, b->multi, BATCH_ROWS);
    b->nrows = 0;
    b->arena_len = 0;
    return rc;
}

int batch_flush(struct batch *b)
{
    int rc = SQLITE_OK;
    for (int r = 0; r < b->nrows && rc == SQLITE_OK; r++) {
        rc = bind_row(b, b->single, b->single_null, 0, r);
        if (rc == SQLITE_OK)
            rc = run(b, b->single, 1);
    }
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
