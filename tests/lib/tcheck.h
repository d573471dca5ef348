/* tcheck.h — the one CHECK family of fusetrace's C unit tests.
 *
 * A failed check prints "FAIL file:line: expression[: message]" on stderr
 * and is counted; the test goes on, so one run shows every failure.
 * tcheck_done() turns the count into main's exit status. */
#ifndef FUSETRACE_TESTS_LIB_TCHECK_H
#define FUSETRACE_TESTS_LIB_TCHECK_H

#include <stdio.h>

extern int tcheck_failures;

/* fmt: NULL, or a printf format for the message. */
void tcheck_fail(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 0 (and "NAME: all checks passed" on stdout), or 1 with the count. */
int tcheck_done(const char *name);

#define CHECK(cond) \
    do { if (!(cond)) tcheck_fail(__FILE__, __LINE__, #cond, NULL); } while (0)
#define CHECK_MSG(cond, ...) \
    do { if (!(cond)) tcheck_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); } while (0)
#define CHECK_EQ(a, b)                                                          \
    do {                                                                        \
        long long a_ = (long long)(a), b_ = (long long)(b);                     \
        if (a_ != b_)                                                           \
            tcheck_fail(__FILE__, __LINE__, #a " == " #b, "%lld != %lld", a_, b_); \
    } while (0)

#endif
