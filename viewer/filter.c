/* filter.c — see filter.h.  Values are turned into SQL with sqlite3_mprintf
 * %Q quoting, so user text can never break out of its literal; only the
 * free SQL expression is taken as SQL, on purpose (the connection is
 * read-only). */
#include "viewer/filter.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracedb/process_select.h"
#include "viewer/text.h"

const char filter_keys[FK_COUNT] = { 'o', 'e', 'p', 'a', 's', 'n', 'l', 'x' };
const char *const filter_names[FK_COUNT] = { "op", "errno", "proc", "path^", "path~", "nodeid", "lat>=", "sql" };

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

int filter_set(struct filters *f, enum filter_kind k, const char *value, char *err, size_t errlen)
{
    char *copy = strdup(value ? value : "");
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *v = trim(copy);
    if (!*v) {
        free(copy);
        free(f->val[k]);
        f->val[k] = NULL;
        return 0;
    }
    int64_t ns;
    if (k == FK_LATENCY && parse_dur(v, 1000000, &ns) != 0) {
        snprintf(err, errlen, "bad latency '%.40s' (try 1ms, 250us, 2s)", v);
        free(copy);
        return -1;
    }
    if ((k == FK_NODEID) && !all_digits(v)) {
        snprintf(err, errlen, "nodeid must be a number");
        free(copy);
        return -1;
    }
    char *keep = strdup(v);
    free(copy);
    if (!keep) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(f->val[k]);
    f->val[k] = keep;
    return 0;
}

void filter_clear_all(struct filters *f)
{
    for (int k = 0; k < FK_COUNT; k++) {
        free(f->val[k]);
        f->val[k] = NULL;
    }
}

int filter_count(const struct filters *f)
{
    int n = 0;
    for (int k = 0; k < FK_COUNT; k++)
        n += f->val[k] != NULL;
    return n;
}

/* "a,b,c" -> "'A','B','C'" (upper-cased when `upper`), or numbers. */
static char *list_sql(const char *v, bool upper, bool *numeric)
{
    char *copy = strdup(v), *save = NULL;
    char *out = sqlite3_mprintf("%s", "");
    *numeric = true;
    bool first = true;
    for (char *tok = strtok_r(copy, ",", &save); tok && out; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!*tok)
            continue;
        if (!all_digits(tok))
            *numeric = false;
        if (upper)
            for (char *p = tok; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        char *next = sqlite3_mprintf("%s%s%Q", out, first ? "" : ",", tok);
        sqlite3_free(out);
        out = next;
        first = false;
    }
    free(copy);
    return out;
}

static char *one_sql(enum filter_kind k, const char *v)
{
    bool numeric;
    int64_t ns;
    switch (k) {
    case FK_OP: {
        char *l = list_sql(v, true, &numeric);
        char *s = numeric ? sqlite3_mprintf("opcode IN (%s)", l) : sqlite3_mprintf("op IN (%s)", l);
        sqlite3_free(l);
        return s;
    }
    case FK_ERRNO: {
        if (!strcasecmp(v, "any") || !strcasecmp(v, "error") || !strcasecmp(v, "*"))
            return sqlite3_mprintf("errno <> 0");
        char *l = list_sql(v, true, &numeric);
        char *s = numeric ? sqlite3_mprintf("errno IN (%s)", l) : sqlite3_mprintf("errno_name IN (%s)", l);
        sqlite3_free(l);
        return s;
    }
    case FK_PROC: {
        /* "PID" or "NAME"; a '+' after either adds every process it
         * started (process_select.h). */
        size_t n = strlen(v);
        bool plus = n > 1 && v[n - 1] == '+';
        char *base = sqlite3_mprintf("%.*s", (int)(plus ? n - 1 : n), v);
        if (!base)
            return NULL;
        bool by_pid = all_digits(base);
        if (by_pid && !plus) {
            sqlite3_free(base);
            return sqlite3_mprintf("pid = %s", v);
        }
        char *cond = by_pid ? sqlite3_mprintf("pid = %s", base) : sqlite3_mprintf("comm LIKE %Q", base);
        char *sel = cond ? process_select_sql(cond, plus) : NULL;
        char *s = sel ? sqlite3_mprintf("process_id IN (%s)", sel) : NULL;
        sqlite3_free(base);
        sqlite3_free(cond);
        sqlite3_free(sel);
        return s;
    }
    case FK_PREFIX:
        /* substr() compares bytes exactly (LIKE would fold ASCII case and
         * treat % and _ as wildcards). */
        return sqlite3_mprintf("(substr(path, 1, %d) = %Q OR substr(CASE WHEN name IS NULL THEN path "
                               "ELSE rtrim(path, '/') || '/' || name END, 1, %d) = %Q)",
                               (int)strlen(v), v, (int)strlen(v), v);
    case FK_SUBSTR:
        return sqlite3_mprintf("(instr(path, %Q) > 0 OR instr(name, %Q) > 0 OR instr(name2, %Q) > 0)", v, v, v);
    case FK_NODEID:
        return sqlite3_mprintf("(nodeid = %s OR entry_nodeid = %s)", v, v);
    case FK_LATENCY:
        parse_dur(v, 1000000, &ns);
        return sqlite3_mprintf("latency_ns >= %lld", (long long)ns);
    case FK_SQL:
        return sqlite3_mprintf("(%s)", v);
    default:
        return sqlite3_mprintf("1");
    }
}

char *filter_sql(const struct filters *f)
{
    char *out = NULL;
    for (int k = 0; k < FK_COUNT; k++) {
        if (!f->val[k])
            continue;
        char *one = one_sql((enum filter_kind)k, f->val[k]);
        char *next = out ? sqlite3_mprintf("%s AND %s", out, one) : sqlite3_mprintf("%s", one);
        sqlite3_free(one);
        sqlite3_free(out);
        out = next;
    }
    return out ? out : sqlite3_mprintf("1");
}

void filter_describe(const struct filters *f, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int k = 0; k < FK_COUNT && o < cap; k++) {
        if (!f->val[k])
            continue;
        char esc[256];
        fmt_escape(esc, sizeof esc, f->val[k]);
        const char *sep = k == FK_LATENCY ? "" : "=";
        o += (size_t)snprintf(buf + o, cap - o, "%s%s%s%s", o ? " & " : "", filter_names[k], sep, esc);
    }
}
