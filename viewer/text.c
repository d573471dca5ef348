/* text.c — see text.h. */
#include "viewer/text.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/lat_stats.h"
#include "util/text_escape.h"

void fmt_escape(char *dst, size_t cap, const char *s)
{
    if (!cap)
        return;
    if (!s) {
        dst[0] = 0;
        return;
    }
    tx_escape_buf(dst, cap, s, strlen(s));
}

void fmt_dur(char *dst, size_t cap, int64_t ns)
{
    /* one formatter with `fusetrace stats` (util/lat_stats.h), signed here */
    if (ns < 0 && cap > 1) {
        dst[0] = '-';
        lat_fmt(dst + 1, cap - 1, ns == INT64_MIN ? INT64_MAX : -ns, false);
    } else {
        lat_fmt(dst, cap, ns, false);
    }
}

void fmt_ts(char *dst, size_t cap, int64_t ns)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t v = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;
    snprintf(dst, cap, "%s%llu.%06llu", sign, (unsigned long long)(v / 1000000000ull),
             (unsigned long long)(v / 1000 % 1000000));
}

void fmt_delta(char *dst, size_t cap, int64_t ns)
{
    uint64_t v = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;
    snprintf(dst, cap, "%c%llu.%06llu", ns < 0 ? '-' : '+', (unsigned long long)(v / 1000000000ull),
             (unsigned long long)(v / 1000 % 1000000));
}

/* Flags come from the FUSE wire, i.e. the kernel's values.  glibc defines
 * O_LARGEFILE as 0 on 64-bit targets, so its kernel value (asm-generic and
 * x86) is spelled out. */
void fmt_oflags(char *dst, size_t cap, int64_t flags)
{
    static const struct { int bit; const char *name; } names[] = {
        { O_SYNC, "O_SYNC" },       /* before O_DSYNC: O_SYNC includes its bit */
        { O_CREAT, "O_CREAT" },     { O_EXCL, "O_EXCL" },       { O_NOCTTY, "O_NOCTTY" },
        { O_TRUNC, "O_TRUNC" },     { O_APPEND, "O_APPEND" },   { O_NONBLOCK, "O_NONBLOCK" },
        { O_DSYNC, "O_DSYNC" },     { O_DIRECT, "O_DIRECT" },   { 0100000, "O_LARGEFILE" },
        { O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" }, { O_NOATIME, "O_NOATIME" },
        { O_CLOEXEC, "O_CLOEXEC" }, { O_PATH, "O_PATH" },
        { O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE" },
    };
    int acc = (int)(flags & O_ACCMODE);
    size_t o = (size_t)snprintf(dst, cap, "%s",
                                acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY"
                                : acc == O_RDWR ? "O_RDWR" : "O_ACC3");
    int64_t rest = flags & ~(int64_t)O_ACCMODE;
    for (size_t i = 0; i < sizeof names / sizeof *names && o < cap; i++) {
        if ((rest & names[i].bit) == names[i].bit) {
            o += (size_t)snprintf(dst + o, cap - o, "|%s", names[i].name);
            rest &= ~(int64_t)names[i].bit;
        }
    }
    if (rest && o < cap)
        snprintf(dst + o, cap - o, "|0x%llx", (unsigned long long)rest);
}

void fmt_mode(char *dst, size_t cap, int64_t mode)
{
    const char *t;
    switch (mode & 0170000) {
    case 0100000: t = "reg"; break;
    case 0040000: t = "dir"; break;
    case 0120000: t = "lnk"; break;
    case 0020000: t = "chr"; break;
    case 0060000: t = "blk"; break;
    case 0010000: t = "fifo"; break;
    case 0140000: t = "sock"; break;
    default: t = NULL;
    }
    if (t)
        snprintf(dst, cap, "0%llo (%s)", (unsigned long long)mode, t);
    else
        snprintf(dst, cap, "0%llo", (unsigned long long)mode);
}

void fmt_bytes(char *dst, size_t cap, int64_t n)
{
    if (n < 1024)
        snprintf(dst, cap, "%lld", (long long)n);
    else if (n < 1024 * 1024)
        snprintf(dst, cap, "%.1fK", (double)n / 1024);
    else if (n < 1024LL * 1024 * 1024)
        snprintf(dst, cap, "%.1fM", (double)n / 1048576);
    else
        snprintf(dst, cap, "%.1fG", (double)n / 1073741824.0);
}

int text_width(const char *s)
{
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    int w = 0;
    size_t len = strlen(s);
    while (len) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, len, &ps);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            w++;
            s++;
            len--;
            memset(&ps, 0, sizeof ps);
            continue;
        }
        int cw = wcwidth(wc);
        w += cw < 0 ? 1 : cw;
        s += n;
        len -= n;
    }
    return w;
}
