/* text_escape.h — printing recorded strings safely.
 *
 * Names, command lines and paths in a recording come from untrusted
 * processes; printed raw they could carry terminal escape sequences.  These
 * helpers render control characters (C0, DEL, C1) and invalid UTF-8 as
 * visible escapes and pass valid printable UTF-8 through unchanged. */
#ifndef FUSETRACE_UTIL_TEXT_ESCAPE_H
#define FUSETRACE_UTIL_TEXT_ESCAPE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Escaped form for terminal/CSV output: \n \t \r \\ and \xNN.
 * Returns the number of bytes written to f. */
size_t tx_escape(FILE *f, const char *s, size_t n);

/* Same into a buffer (always NUL-terminated when cap > 0; truncates).
 * Returns the length the full escaped text needs. */
size_t tx_escape_buf(char *dst, size_t cap, const char *s, size_t n);

/* Display width of the escaped text, counting one column per code point. */
size_t tx_width(const char *escaped);

/* A JSON string literal (with quotes): control characters as \u00XX,
 * invalid UTF-8 bytes as \u00XX of the byte value. */
void tx_json_string(FILE *f, const char *s, size_t n);

/* The shortest decimal text that reads back as v ("0.25", not
 * "0.25000000000000000"), for every output that prints a REAL. */
void tx_double(char *buf, size_t cap, double v);

/* "fusetrace CMD: MESSAGE\n" on stderr with MESSAGE escaped: for messages
 * that name a file or carry text from a recording, so that neither can put
 * control sequences on the user's terminal.  tx_vstderr: the same with a
 * va_list. */
void tx_stderr(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tx_vstderr(const char *cmd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
