/* json_out.c — see json_out.h. */
#include "tracedb/json_out.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "util/text_escape.h"

void jw_open(struct jw *w)
{
    fputc('{', w->f);
    w->first = true;
}

void jw_close(struct jw *w)
{
    fputc('}', w->f);
    w->first = false;
}

void jw_key(struct jw *w, const char *key)
{
    if (!w->first)
        fputc(',', w->f);
    w->first = false;
    tx_json_string(w->f, key, strlen(key));
    fputc(':', w->f);
}

void jw_int(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    fprintf(w->f, "%" PRId64, v);
}

void jw_num(struct jw *w, const char *key, double v, int decimals)
{
    jw_key(w, key);
    fprintf(w->f, "%.*f", decimals, v);
}

void jw_str(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    if (s)
        tx_json_string(w->f, s, strlen(s));
    else
        fputs("null", w->f);
}

void jw_col(struct jw *w, const char *key, sqlite3_stmt *st, int col)
{
    jw_key(w, key);
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
        fprintf(w->f, "%lld", (long long)sqlite3_column_int64(st, col));
        break;
    case SQLITE_FLOAT: {
        char num[40];
        double v = sqlite3_column_double(st, col);
        tx_double(num, sizeof num, v);
        fputs(isfinite(v) ? num : "null", w->f);   /* JSON has no NaN/Inf */
        break;
    }
    case SQLITE_TEXT:
        tx_json_string(w->f, (const char *)sqlite3_column_text(st, col),
                  (size_t)sqlite3_column_bytes(st, col));
        break;
    case SQLITE_BLOB: {
        const unsigned char *b = sqlite3_column_blob(st, col);
        int n = sqlite3_column_bytes(st, col);
        fputc('"', w->f);
        for (int i = 0; i < n; i++)
            fprintf(w->f, "%02x", b[i]);
        fputc('"', w->f);
        break;
    }
    default:
        fputs("null", w->f);
    }
}

void jw_col_opt(struct jw *w, const char *key, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) != SQLITE_NULL)
        jw_col(w, key, st, col);
}
