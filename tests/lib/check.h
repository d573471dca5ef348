/* check.h — small helpers shared by fusetrace's C test programs.
 *
 * Results are rendered as normalized text so that two runs (native directory
 * vs. FUSE mount) can be compared line by line: errno values become their
 * names, data becomes escaped text or a hash, and nothing machine-specific
 * (pids, inode numbers, absolute times, absolute paths) is printed.
 */
#ifndef FUSETRACE_TESTS_CHECK_H
#define FUSETRACE_TESTS_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* errno value -> "ENOENT"; 0 -> "ok". */
static inline const char *ck_errname(int e)
{
	if (e == 0)
		return "ok";
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	static __thread char buf[4][24];
	static __thread int slot;
	char *b = buf[slot++ & 3];
	snprintf(b, sizeof buf[0], "errno%d", e);
	return b;
}

/* Rotating static buffers so that several results fit in one printf. */
static inline char *ck_buf(void)
{
	static __thread char bufs[32][512];
	static __thread unsigned slot;
	return bufs[slot++ % 32];
}

/* Result of a syscall-like expression: the value if >= 0, else errno's name.
 * errno must be the one set by the call (arguments are evaluated first). */
static inline const char *ck_rv(long r)
{
	if (r < 0)
		return ck_errname(errno);
	char *b = ck_buf();
	snprintf(b, 512, "%ld", r);
	return b;
}
#define RV(x) ck_rv((long)(x))

/* 0 -> "ok", -1 -> errno name (for calls whose success value is 0). */
static inline const char *ck_ok(long r)
{
	return r < 0 ? ck_errname(errno) : (r == 0 ? "ok" : ck_rv(r));
}
#define OK(x) ck_ok((long)(x))

/* Escape arbitrary bytes as printable text (at most max input bytes). */
static inline const char *ck_esc(const void *data, size_t len, size_t max)
{
	char *b = ck_buf();
	const unsigned char *p = data;
	size_t o = 0;
	for (size_t i = 0; i < len && i < max && o < 500; i++) {
		if (p[i] >= 0x21 && p[i] < 0x7f && p[i] != '\\')
			b[o++] = (char)p[i];
		else
			o += (size_t)snprintf(b + o, 512 - o, "\\x%02x", p[i]);
	}
	if (len > max && o < 505)
		o += (size_t)snprintf(b + o, 512 - o, "...");
	b[o] = 0;
	return b;
}

/* FNV-1a 64 of a buffer, as 16 hex digits. */
static inline uint64_t ck_fnv(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;
	if (h == 0)
		h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static inline const char *ck_ftype(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	default: return "?";
	}
}

/* A stat rendered without st_dev, st_ino, st_blocks and absolute times. */
static inline const char *ck_statstr(const struct stat *s)
{
	char *b = ck_buf();
	int n = snprintf(b, 512, "%s mode=%04o nlink=%lu uid=%u gid=%u size=%lld",
			 ck_ftype(s->st_mode), (unsigned)(s->st_mode & 07777),
			 (unsigned long)s->st_nlink, (unsigned)s->st_uid,
			 (unsigned)s->st_gid, (long long)s->st_size);
	if (S_ISCHR(s->st_mode) || S_ISBLK(s->st_mode))
		snprintf(b + n, 512 - (size_t)n, " rdev=%u:%u",
			 major(s->st_rdev), minor(s->st_rdev));
	return b;
}

/* Compare two timestamps: "<", "==" or ">". */
static inline const char *ck_tcmp(struct timespec a, struct timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? "<" : ">";
	if (a.tv_nsec != b.tv_nsec)
		return a.tv_nsec < b.tv_nsec ? "<" : ">";
	return "==";
}

#endif
