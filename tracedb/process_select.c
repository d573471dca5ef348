/* process_select.c — see process_select.h. */
#include "tracedb/process_select.h"

#include <ctype.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

bool process_select_parse(const char *text, long long *pid, bool *descendants)
{
    size_t n = strlen(text);
    *descendants = n > 0 && text[n - 1] == '+';
    if (*descendants)
        n--;
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)text[i]))
            return false;
    errno = 0;
    *pid = strtoll(text, NULL, 10);
    return errno == 0 && *pid > 0;
}

char *process_select_sql(const char *root_cond, bool descendants)
{
    if (!descendants)
        return sqlite3_mprintf("SELECT id FROM process WHERE %s", root_cond);
    /* ancestry is "/root_id/.../id": a row descends from r (or is r) when
     * "/r.id/" occurs in its ancestry followed by '/' or its end. */
    return sqlite3_mprintf(
        "SELECT t.id FROM process_tree t WHERE EXISTS (SELECT 1 FROM process r "
        "WHERE (%s) AND instr(t.ancestry || '/', '/' || r.id || '/') > 0)", root_cond);
}
