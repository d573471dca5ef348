/* text.h — formatting recorded values for the screen.
 *
 * Everything here produces plain UTF-8 strings; draw.h puts them on the
 * screen.  Recorded strings (names, paths, comms) are untrusted: they go
 * through fmt_escape(), which renders control characters and invalid UTF-8
 * as visible escapes so that no byte from a recording reaches the terminal
 * as a control sequence. */
#ifndef FUSETRACE_VIEWER_TEXT_H
#define FUSETRACE_VIEWER_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Escape an untrusted string (NULL -> ""); always NUL-terminates. */
void fmt_escape(char *dst, size_t cap, const char *s);

/* A duration: "812ns", "12.3µs", "4.56ms", "1.234s", "12m03s". */
void fmt_dur(char *dst, size_t cap, int64_t ns);
/* A session-relative timestamp with microseconds: "12.345678". */
void fmt_ts(char *dst, size_t cap, int64_t ns);
/* A signed delta: "+0.000123", "-0.000010". */
void fmt_delta(char *dst, size_t cap, int64_t ns);
/* open(2) flags: "O_RDONLY|O_CREAT|O_EXCL". */
void fmt_oflags(char *dst, size_t cap, int64_t flags);
/* st_mode: "0100644 (reg)". */
void fmt_mode(char *dst, size_t cap, int64_t mode);
/* A byte count: "512", "4.0K", "1.5M". */
void fmt_bytes(char *dst, size_t cap, int64_t n);

/* parse_dur(): durations typed at prompts and in options are parsed by the
 * one parser every command shares. */
#include "util/duration.h"

/* Display width in columns of a UTF-8 string that fmt_escape() produced. */
int text_width(const char *s);

#endif
