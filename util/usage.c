/* usage.c — see usage.h. */
#include "util/usage.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/text_escape.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    fprintf(stderr, "fusetrace %s: ", cmd);
    tx_escape(stderr, msg, len);
    fprintf(stderr, "\nTry 'fusetrace %s --help'.\n", cmd);
    return EXIT_USAGE;
}
