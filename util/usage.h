/* usage.h — the one way a subcommand reports a bad command line. */
#ifndef FUSETRACE_UTIL_USAGE_H
#define FUSETRACE_UTIL_USAGE_H

/* Exit status of a usage error. */
#define EXIT_USAGE 2

/* Print "fusetrace CMD: MESSAGE" (control characters escaped: arguments
 * come from the user) and "Try 'fusetrace CMD --help'." on stderr.
 * Returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
