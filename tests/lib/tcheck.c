/* tcheck.c — see tcheck.h. */
#include "tests/lib/tcheck.h"

#include <stdarg.h>

int tcheck_failures;

void tcheck_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    char msg[2048] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    tcheck_failures++;
    fprintf(stderr, "FAIL %s:%d: %s%s%s\n", file, line, expr, fmt ? ": " : "", msg);
}

int tcheck_done(const char *name)
{
    if (tcheck_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, tcheck_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}
