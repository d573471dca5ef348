/* cmd_sql.c — `fusetrace sql DB "SELECT ..." ...`: run queries on a
 * recording (opened read-only) and print the results as aligned columns,
 * CSV or JSON.  The aligned table is for a terminal: recorded strings are
 * escaped there (control characters, invalid UTF-8).  CSV carries the raw
 * bytes (RFC 4180: quoted where needed, CRLF line ends); JSON escapes only
 * what JSON requires, and invalid UTF-8 as \u00XX, so it stays valid. */
#include "tracedb/commands.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text_escape.h"
#include "tracedb/tracedb.h"
#include "tracedb/session_select.h"
#include "util/usage.h"

enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

static void usage(FILE *f)
{
    fprintf(f,
        "usage: fusetrace sql [--csv | --json] [--session ID|HOST] DB QUERY [QUERY...]\n"
        "\n"
        "Run SQL queries on a recording (read-only) and print the results.\n"
        "  --csv    RFC 4180 CSV with a header row: raw values, quoted where\n"
        "           needed, CRLF line ends\n"
        "  --json   one JSON array of objects per query\n"
        "  --session ID|HOST  of a fleet database (`fusetrace import -o`): every\n"
        "           table and view shows only session ID, or the sessions of\n"
        "           HOST.  Without it the queries see every session; each view\n"
        "           has session_id and host columns\n"
        "  --help   show this help\n"
        "Default output is aligned columns.  Tables and views are documented in\n"
        "schemas/README.md; try: fusetrace sql DB \"SELECT * FROM per_op_latency\"\n");
}

/* One result cell as printable text (escaped), for the table format. */
static char *cell_text(sqlite3_stmt *st, int c)
{
    char tmp[64];
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_NULL:
        return strdup("NULL");
    case SQLITE_INTEGER:
        snprintf(tmp, sizeof tmp, "%lld", (long long)sqlite3_column_int64(st, c));
        return strdup(tmp);
    case SQLITE_FLOAT:
        tx_double(tmp, sizeof tmp, sqlite3_column_double(st, c));
        return strdup(tmp);
    case SQLITE_BLOB: {
        const unsigned char *p = sqlite3_column_blob(st, c);
        int n = sqlite3_column_bytes(st, c);
        int show = n > 32 ? 32 : n;
        char *s = malloc((size_t)show * 2 + 16);
        if (!s)
            return NULL;
        size_t o = (size_t)sprintf(s, "x'");
        for (int i = 0; i < show; i++)
            o += (size_t)sprintf(s + o, "%02x", p[i]);
        sprintf(s + o, show < n ? "'..." : "'");
        return s;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(st, c);
        size_t n = (size_t)sqlite3_column_bytes(st, c);
        size_t need = tx_escape_buf(NULL, 0, t ? t : "", t ? n : 0);
        char *s = malloc(need + 1);
        if (s)
            tx_escape_buf(s, need + 1, t ? t : "", t ? n : 0);
        return s;
    }
    }
}

static bool numeric(sqlite3_stmt *st, int c)
{
    int t = sqlite3_column_type(st, c);
    return t == SQLITE_INTEGER || t == SQLITE_FLOAT;
}

struct table {
    int ncols;
    size_t nrows, cap;
    char **cells;              /* nrows * ncols */
    bool *num;                 /* per cell: right-align */
    size_t *width;
};

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->num);
    free(t->width);
}

static int print_table(sqlite3_stmt *st, int *rc_out)
{
    struct table t = { .ncols = sqlite3_column_count(st) };
    int rc;
    t.width = calloc((size_t)t.ncols + 1, sizeof *t.width);
    if (!t.width)
        return -1;
    for (int c = 0; c < t.ncols; c++) {
        const char *name = sqlite3_column_name(st, c);
        char esc[256];
        tx_escape_buf(esc, sizeof esc, name, strlen(name));
        t.width[c] = tx_width(esc);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (t.nrows == t.cap) {
            size_t ncap = t.cap ? t.cap * 2 : 64;
            char **nc = realloc(t.cells, ncap * (size_t)t.ncols * sizeof *nc);
            bool *nn = nc ? realloc(t.num, ncap * (size_t)t.ncols * sizeof *nn) : NULL;
            if (!nc || !nn) {
                if (nc)
                    t.cells = nc;
                table_free(&t);
                return -1;
            }
            t.cells = nc;
            t.num = nn;
            t.cap = ncap;
        }
        for (int c = 0; c < t.ncols; c++) {
            size_t i = t.nrows * (size_t)t.ncols + (size_t)c;
            t.cells[i] = cell_text(st, c);
            t.num[i] = numeric(st, c);
            if (t.cells[i] && tx_width(t.cells[i]) > t.width[c])
                t.width[c] = tx_width(t.cells[i]);
        }
        t.nrows++;
    }
    *rc_out = rc;
    if (t.ncols > 0) {
        for (int c = 0; c < t.ncols; c++) {
            const char *name = sqlite3_column_name(st, c);
            char esc[256];
            tx_escape_buf(esc, sizeof esc, name, strlen(name));
            printf("%s%s%*s", c ? "  " : "", esc,
                   c + 1 < t.ncols ? (int)(t.width[c] - tx_width(esc)) : 0, "");
        }
        putchar('\n');
        for (int c = 0; c < t.ncols; c++) {
            printf("%s", c ? "  " : "");
            for (size_t k = 0; k < t.width[c]; k++)
                putchar('-');
        }
        putchar('\n');
        for (size_t r = 0; r < t.nrows; r++) {
            for (int c = 0; c < t.ncols; c++) {
                size_t i = r * (size_t)t.ncols + (size_t)c;
                const char *s = t.cells[i] ? t.cells[i] : "?";
                int pad = (int)(t.width[c] - tx_width(s));
                if (t.num[i])
                    printf("%s%*s%s", c ? "  " : "", pad, "", s);
                else
                    printf("%s%s%*s", c ? "  " : "", s, c + 1 < t.ncols ? pad : 0, "");
            }
            putchar('\n');
        }
        printf("(%zu row%s)\n", t.nrows, t.nrows == 1 ? "" : "s");
    }
    table_free(&t);
    return 0;
}

/* RFC 4180: a field is quoted when it holds a comma, a quote, CR or LF
 * (and, so that no reader trims it, a leading or trailing space); a quote
 * inside is doubled.  The bytes are the recorded ones. */
static void csv_field(const char *s, size_t n)
{
    bool quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, stdout);
        return;
    }
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            putchar('"');
        putchar(s[i]);
    }
    putchar('"');
}

static int print_csv(sqlite3_stmt *st, int *rc_out)
{
    int n = sqlite3_column_count(st), rc;
    for (int c = 0; c < n; c++) {
        if (c)
            putchar(',');
        const char *name = sqlite3_column_name(st, c);
        csv_field(name, strlen(name));
    }
    if (n)
        fputs("\r\n", stdout);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < n; c++) {
            if (c)
                putchar(',');
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL:
                break;
            case SQLITE_INTEGER:
                printf("%lld", (long long)sqlite3_column_int64(st, c));
                break;
            case SQLITE_FLOAT: {
                char num[40];
                tx_double(num, sizeof num, sqlite3_column_double(st, c));
                fputs(num, stdout);
                break;
            }
            case SQLITE_BLOB: {
                const unsigned char *p = sqlite3_column_blob(st, c);
                int len = sqlite3_column_bytes(st, c);
                for (int i = 0; i < len; i++)
                    printf("%02x", p[i]);
                break;
            }
            default:
                csv_field((const char *)sqlite3_column_text(st, c),
                          (size_t)sqlite3_column_bytes(st, c));
            }
        }
        fputs("\r\n", stdout);
    }
    *rc_out = rc;
    return 0;
}

static int print_json(sqlite3_stmt *st, int *rc_out)
{
    int n = sqlite3_column_count(st), rc;
    size_t rows = 0;
    putchar('[');
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        printf("%s{", rows++ ? ",\n " : "");
        for (int c = 0; c < n; c++) {
            const char *name = sqlite3_column_name(st, c);
            if (c)
                putchar(',');
            tx_json_string(stdout, name, strlen(name));
            putchar(':');
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL:
                fputs("null", stdout);
                break;
            case SQLITE_INTEGER:
                printf("%lld", (long long)sqlite3_column_int64(st, c));
                break;
            case SQLITE_FLOAT: {
                double v = sqlite3_column_double(st, c);
                char num[40];
                tx_double(num, sizeof num, v);
                fputs(isfinite(v) ? num : "null", stdout);   /* JSON has no NaN/Inf */
                break;
            }
            case SQLITE_BLOB: {
                const unsigned char *p = sqlite3_column_blob(st, c);
                int len = sqlite3_column_bytes(st, c);
                putchar('"');
                for (int i = 0; i < len; i++)
                    printf("%02x", p[i]);
                putchar('"');
                break;
            }
            default:
                tx_json_string(stdout, (const char *)sqlite3_column_text(st, c),
                               (size_t)sqlite3_column_bytes(st, c));
            }
        }
        putchar('}');
    }
    puts("]");
    *rc_out = rc;
    return 0;
}

/* Run every statement in `sql`.  Returns 0, or 1 after printing the error. */
static int run_query(sqlite3 *db, const char *sql, int qno, enum fmt fmt, bool *first)
{
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
        if (rc != SQLITE_OK) {
            fprintf(stderr, "fusetrace sql: query %d: %s\n", qno, sqlite3_errmsg(db));
            return 1;
        }
        if (!st)
            continue;          /* whitespace or a comment */
        if (!*first && fmt == FMT_TABLE)
            putchar('\n');
        *first = false;
        int step_rc = SQLITE_DONE, r;
        if (fmt == FMT_CSV)
            r = print_csv(st, &step_rc);
        else if (fmt == FMT_JSON)
            r = print_json(st, &step_rc);
        else
            r = print_table(st, &step_rc);
        if (r != 0) {
            fprintf(stderr, "fusetrace sql: out of memory\n");
            sqlite3_finalize(st);
            return 1;
        }
        if (step_rc != SQLITE_DONE) {
            fprintf(stderr, "fusetrace sql: query %d: %s\n", qno, sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return 1;
        }
        sqlite3_finalize(st);
    }
    return 0;
}

int cmd_sql(int argc, char **argv)
{
    enum fmt fmt = FMT_TABLE;
    const char *dbpath = NULL;
    int first_query = -1;
    bool opts_done = false;
    const char *session_arg = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && a[0] == '-' && a[1]) {
            if (strcmp(a, "--") == 0)
                opts_done = true;
            else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                usage(stdout);
                return 0;
            } else if (strcmp(a, "--csv") == 0) {
                if (fmt == FMT_JSON)
                    return usage_error("sql", "%s: --csv and --json are exclusive", a);
                fmt = FMT_CSV;
            } else if (strcmp(a, "--json") == 0) {
                if (fmt == FMT_CSV)
                    return usage_error("sql", "%s: --csv and --json are exclusive", a);
                fmt = FMT_JSON;
            } else if (strcmp(a, "--session") == 0 || strncmp(a, "--session=", 10) == 0) {
                session_arg = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : "";
                if (!*session_arg)
                    return usage_error("sql", "--session needs a session id or a host name");
            } else {
                return usage_error("sql", "unknown option '%s'", a);
            }
            continue;
        }
        if (!dbpath) {
            dbpath = a;
        } else {
            first_query = i;
            break;
        }
    }
    if (!dbpath)
        return usage_error("sql", "missing DB and QUERY");
    if (first_query < 0)
        return usage_error("sql", "missing QUERY");

    sqlite3 *db;
    struct tracedb_info info;
    char err[1024] = "";
    if (tracedb_open(dbpath, &db, &info, err, sizeof err) != 0) {
        fprintf(stderr, "fusetrace sql: %s\n", err);
        return 1;
    }
    if (session_arg && (session_select(db, session_arg, true, err, sizeof err) < 0
                        || tracedb_reread(db, &info) != 0)) {
        fprintf(stderr, "fusetrace sql: %s: %s\n", dbpath, err[0] ? err : sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    if (info.status == TRACEDB_INCOMPLETE) {
        fprintf(stderr, "fusetrace sql: note: incomplete recording: ");
        tx_escape(stderr, info.reason, strlen(info.reason));
        fputc('\n', stderr);
    }
    int rc = 0;
    bool first = true;
    for (int i = first_query; i < argc && rc == 0; i++)
        rc = run_query(db, argv[i], i - first_query + 1, fmt, &first);
    sqlite3_close(db);
    if (fflush(stdout) != 0) {
        perror("fusetrace sql: writing output");
        return 1;
    }
    return rc;
}
