/* text_escape.c — see text_escape.h. */
#include "util/text_escape.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 when the bytes are not valid UTF-8 (overlongs, surrogates and
 * code points above U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2; v = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3; v = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/* Escape into a sink; the sink is either a FILE or a bounded buffer. */
struct out {
    FILE *f;
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *p, size_t n)
{
    if (o->f) {
        fwrite(p, 1, n, o->f);
    } else if (o->cap) {
        size_t room = o->len < o->cap - 1 ? o->cap - 1 - o->len : 0;
        if (room)
            memcpy(o->buf + o->len, p, n < room ? n : room);
    }
    o->len += n;
}

static void escape(struct out *o, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_seq(s + i, n - i, &cp);
        char tmp[8];
        if (k == 0) {
            snprintf(tmp, sizeof tmp, "\\x%02x", s[i]);
            put(o, tmp, 4);
            i++;
            continue;
        }
        if (cp == '\\') {
            put(o, "\\\\", 2);
        } else if (cp == '\n') {
            put(o, "\\n", 2);
        } else if (cp == '\t') {
            put(o, "\\t", 2);
        } else if (cp == '\r') {
            put(o, "\\r", 2);
        } else if (is_control(cp)) {
            /* C1 controls are two bytes in UTF-8; show the code point. */
            snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)cp);
            put(o, tmp, 4);
        } else {
            put(o, (const char *)s + i, k);
        }
        i += k;
    }
    if (!o->f && o->cap)
        o->buf[o->len < o->cap ? o->len : o->cap - 1] = 0;
}

size_t tx_escape(FILE *f, const char *s, size_t n)
{
    struct out o = { .f = f };
    escape(&o, s, n);
    return o.len;
}

size_t tx_escape_buf(char *dst, size_t cap, const char *s, size_t n)
{
    struct out o = { .buf = dst, .cap = cap };
    if (cap)
        dst[0] = 0;
    escape(&o, s, n);
    return o.len;
}

size_t tx_width(const char *escaped)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)escaped; *p; p++)
        if ((*p & 0xc0) != 0x80)
            w++;
    return w;
}

void tx_json_string(FILE *f, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    fputc('"', f);
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_seq(s + i, n - i, &cp);
        if (k == 0) {
            fprintf(f, "\\u%04x", s[i]);
            i++;
            continue;
        }
        if (cp == '"')
            fputs("\\\"", f);
        else if (cp == '\\')
            fputs("\\\\", f);
        else if (cp == '\n')
            fputs("\\n", f);
        else if (cp == '\t')
            fputs("\\t", f);
        else if (cp == '\r')
            fputs("\\r", f);
        else if (is_control(cp))
            fprintf(f, "\\u%04x", (unsigned)cp);
        else
            fwrite(s + i, 1, k, f);
        i += k;
    }
    fputc('"', f);
}

void tx_vstderr(const char *cmd, const char *fmt, va_list ap)
{
    char msg[2048];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    fprintf(stderr, "fusetrace %s: ", cmd);
    tx_escape(stderr, msg, len);
    fputc('\n', stderr);
}

void tx_stderr(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tx_vstderr(cmd, fmt, ap);
    va_end(ap);
}

void tx_double(char *buf, size_t cap, double v)
{
    snprintf(buf, cap, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, cap, "%.17g", v);
}
