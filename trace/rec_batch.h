/* rec_batch.h — buffered multi-row INSERTs for one table.
 *
 * A row is built column by column into a small value buffer; rows go to
 * SQLite BATCH_ROWS at a time through one prepared
 * "INSERT ... VALUES (...),(...),..." statement, which is the single
 * largest ingest gain once transactions are batched (fewer statement
 * executions per row).
 * Text and blobs are copied into an arena so the caller's memory (a ring
 * slot) can be released at once.
 *
 * Widths: most rows leave their trailing columns NULL (a LOOKUP has no
 * lock range, an error reply no attributes).  The insert's column list is
 * ordered so that rare columns come last, and the table declares a few
 * widths (leading column counts).  The buffered rows go through the
 * statement of the narrowest width that holds all their non-NULL values;
 * the columns a statement leaves out get their NULL default inside SQLite,
 * which costs less than binding and copying a NULL parameter.  A wider row
 * widens the whole batch instead of splitting it, so rows keep their order
 * (and their rowids) and every statement still carries BATCH_ROWS rows.
 */
#ifndef FUSETRACE_TRACE_REC_BATCH_H
#define FUSETRACE_TRACE_REC_BATCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BATCH_ROWS 16
#define BATCH_MAX_WIDTHS 4

struct batch_val {
    uint8_t type;              /* 0 NULL, 1 INTEGER, 2 TEXT, 3 BLOB */
    int64_t i;
    size_t off, len;           /* TEXT/BLOB: arena slice */
};

/* One prepared "INSERT ... (first w columns) VALUES" with k rows. */
struct batch_stmt {
    sqlite3_stmt *st;
    /* Parameters currently bound to NULL.  Bindings survive sqlite3_reset,
     * and many columns of a row are NULL, so re-binding only what changed
     * saves most of the sqlite3_bind_* calls. */
    uint8_t *is_null;
};

struct batch {
    sqlite3 *db;
    int ncols;
    char *prefix;              /* "INSERT [OR ...] INTO t" */
    char **cols;               /* column names, insert order */
    int nwidths;
    int widths[BATCH_MAX_WIDTHS];          /* ascending, last = ncols */
    struct batch_stmt stmts[BATCH_MAX_WIDTHS][BATCH_ROWS + 1];   /* [width][rows], lazy */
    struct batch_val *vals;    /* BATCH_ROWS * ncols */
    int nrows;                 /* complete rows buffered */
    int run;                   /* width index the buffered rows need */
    int col;                   /* next column of the row being built */
    uint8_t *arena;
    size_t arena_len, arena_cap;
    bool oom;                  /* a copy failed: the row is stored with NULLs */
    uint64_t rows;             /* rows handed to SQLite */
    uint64_t ignored;          /* rows an OR IGNORE insert skipped */
};

/* `insert` is "INSERT [OR ...] INTO t(c1,...,cN)"; ncols = N.  `widths`
 * lists nwidths ascending leading-column counts ending with N (NULL, 0:
 * just N).  Columns beyond the narrowest width must be nullable.
 * Returns an SQLite result code; on error the message is in err. */
int batch_init(struct batch *b, sqlite3 *db, const char *insert, int ncols,
               const int *widths, int nwidths, char *err, size_t errlen);
void batch_free(struct batch *b);

void batch_null(struct batch *b);
void batch_int(struct batch *b, int64_t v);
void batch_opt(struct batch *b, bool present, int64_t v);
void batch_text(struct batch *b, const char *s, size_t n);   /* s NULL -> NULL */
void batch_blob(struct batch *b, const void *p, size_t n);   /* p NULL -> NULL */

/* Finish the row; may execute a statement. */
int batch_row(struct batch *b);
/* Execute every buffered row. */
int batch_flush(struct batch *b);
/* Forget buffered rows (after a failed transaction). */
void batch_discard(struct batch *b);

#endif
