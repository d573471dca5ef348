/* usage.c — see usage.h. */
#include "util/usage.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/text_escape.h"

void usage_message(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tx_vstderr(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'fusetrace %s --help'.\n", cmd);
}
