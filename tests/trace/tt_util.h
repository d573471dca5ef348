/* tt_util.h — helpers for the trace/ tests: temporary directories,
 * synthetic FUSE wire messages and one-value SQL queries. */
#ifndef FUSETRACE_TESTS_TRACE_TT_UTIL_H
#define FUSETRACE_TESTS_TRACE_TT_UTIL_H

#include <linux/fuse.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/lib/tcheck.h"   /* CHECK, CHECK_MSG, CHECK_EQ */

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
/* Describe this process to the recorder, as the daemon's identity thread
 * does (the recorder never reads /proc itself). */
void tt_describe_self(void);
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
