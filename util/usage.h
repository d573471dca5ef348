/* usage.h — the one way a subcommand reports a bad command line. */
#ifndef FUSETRACE_UTIL_USAGE_H
#define FUSETRACE_UTIL_USAGE_H

/* Exit status of a usage error. */
#define EXIT_USAGE 2

/* Print "fusetrace CMD: MESSAGE" (control characters escaped: arguments
 * come from the user) and "Try 'fusetrace CMD --help'." on stderr. */
void usage_message(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* usage_message(), then the value EXIT_USAGE, visibly to the compiler and
 * the analysers: `return usage_error(...)` always returns 2. */
#define usage_error(cmd, ...) (usage_message((cmd), __VA_ARGS__), EXIT_USAGE)

#endif
