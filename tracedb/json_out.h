/* json_out.h — minimal streaming JSON output to a FILE (strings escaped by
 * tx_json_string, integers, and the comma bookkeeping of one object at a
 * time). */
#ifndef FUSETRACE_TRACEDB_JSON_OUT_H
#define FUSETRACE_TRACEDB_JSON_OUT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jw {
    FILE *f;
    bool first;                /* no member written yet in the current object */
};

void jw_open(struct jw *w);                           /* { */
void jw_close(struct jw *w);                          /* } */
void jw_key(struct jw *w, const char *key);           /* ,"key": */
void jw_int(struct jw *w, const char *key, int64_t v);
void jw_num(struct jw *w, const char *key, double v, int decimals);
void jw_str(struct jw *w, const char *key, const char *s);
/* Column `col` of a statement row: null, integer, real or text. */
void jw_col(struct jw *w, const char *key, sqlite3_stmt *st, int col);
/* Same, but skip the member entirely when the column is NULL. */
void jw_col_opt(struct jw *w, const char *key, sqlite3_stmt *st, int col);

#endif
