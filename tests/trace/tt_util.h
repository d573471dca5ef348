/* tt_util.h — helpers for the trace/ tests: checks, temporary directories,
 * synthetic FUSE wire messages and one-value SQL queries. */
#ifndef FUSETRACE_TESTS_TRACE_TT_UTIL_H
#define FUSETRACE_TESTS_TRACE_TT_UTIL_H

#include <linux/fuse.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern int tt_failures;

#define CHECK(cond) do { if (!(cond)) { tt_fail(__FILE__, __LINE__, #cond, NULL); } } while (0)
#define CHECK_MSG(cond, ...) do { if (!(cond)) { tt_failf(__FILE__, __LINE__, #cond, __VA_ARGS__); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { char m_[128]; snprintf(m_, sizeof m_, "%lld != %lld", a_, b_); \
                    tt_fail(__FILE__, __LINE__, #a " == " #b, m_); } } while (0)

void tt_fail(const char *file, int line, const char *expr, const char *msg);
void tt_failf(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Exit status for main: 0 or 1, with a summary line. */
int tt_done(const char *name);

/* A fresh private directory under $TMPDIR (removed by tt_cleanup). */
const char *tt_tmpdir(void) __attribute__((returns_nonnull));
void tt_cleanup(void);
/* tt_tmpdir()/name, a fresh allocation. */
const char *tt_path(const char *name) __attribute__((returns_nonnull));

/* Build messages into buf; return their length. */
size_t tt_req(uint8_t *buf, uint32_t opcode, uint64_t unique, uint64_t nodeid,
              uint32_t pid, const void *args, size_t args_len);
/* Args helpers. */
size_t tt_names(uint8_t *buf, const char *a, const char *b);   /* "a\0b\0" */
size_t tt_reply(uint8_t *buf, uint64_t unique, int32_t error, const void *body, size_t len);

/* Feed a reply as a two-element iovec (header, body) like libfuse does. */
void tt_send_reply(uint64_t unique, int32_t error, const void *body, size_t len);
void tt_send_req(uint32_t opcode, uint64_t unique, uint64_t nodeid, uint32_t pid,
                 const void *args, size_t args_len);

/* One value from a query (first column of the first row). */
long long tt_int(sqlite3 *db, const char *sql, long long dflt);
/* Text; returns a static buffer ("" for NULL, "<ERR>" on error). */
const char *tt_text(sqlite3 *db, const char *sql);

/* Run a subcommand with stdout/stderr captured into files; returns its exit
 * status.  out/err may be NULL. */
int tt_capture(int (*fn)(int, char **), int argc, char **argv,
               char *out, size_t outcap, char *err, size_t errcap);

#endif
