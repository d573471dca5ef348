/* rec_batch.h — buffered multi-row INSERTs for one table.
 *
 * A row is built column by column into a small value buffer; every
 * BATCH_ROWS rows go to SQLite through one prepared
 * "INSERT ... VALUES (...),(...),..." statement, which is the single
 * largest ingest gain once transactions are batched (engineering.md §3).
 * Rows left over at commit time go through a one-row statement.  Text and
 * blobs are copied into an arena so the caller's memory (a ring slot) can
 * be released at once.
 */
#ifndef FUSETRACE_TRACE_REC_BATCH_H
#define FUSETRACE_TRACE_REC_BATCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BATCH_ROWS 16

struct batch_val {
    uint8_t type;              /* 0 NULL, 1 INTEGER, 2 TEXT, 3 BLOB */
    int64_t i;
    size_t off, len;           /* TEXT/BLOB: arena slice */
};

struct batch {
    sqlite3 *db;
    int ncols;
    sqlite3_stmt *multi;       /* BATCH_ROWS rows */
    sqlite3_stmt *single;      /* one row */
    /* Parameters currently bound to NULL.  Bindings survive sqlite3_reset,
     * and most columns of a row are NULL, so re-binding only what changed
     * saves most of the sqlite3_bind_* calls. */
    uint8_t *multi_null, *single_null;
    struct batch_val *vals;    /* BATCH_ROWS * ncols */
    int nrows;                 /* complete rows buffered */
    int col;                   /* next column of the row being built */
    uint8_t *arena;
    size_t arena_len, arena_cap;
    bool oom;                  /* a copy failed: the row is stored with NULLs */
    uint64_t rows;             /* rows handed to SQLite */
    uint64_t ignored;          /* rows an OR IGNORE insert skipped */
};

/* `insert` is "INSERT [OR ...] INTO t(c1,...,cN)"; ncols = N.
 * Returns an SQLite result code; on error the message is in err. */
int batch_init(struct batch *b, sqlite3 *db, const char *insert, int ncols,
               char *err, size_t errlen);
void batch_free(struct batch *b);

void batch_null(struct batch *b);
void batch_int(struct batch *b, int64_t v);
void batch_opt(struct batch *b, bool present, int64_t v);
void batch_text(struct batch *b, const char *s, size_t n);   /* s NULL -> NULL */
void batch_blob(struct batch *b, const void *p, size_t n);   /* p NULL -> NULL */

/* Finish the row; may execute the multi-row statement. */
int batch_row(struct batch *b);
/* Execute every buffered row. */
int batch_flush(struct batch *b);
/* Forget buffered rows (after a failed transaction). */
void batch_discard(struct batch *b);

#endif
