/* reply_fail.c — an LD_PRELOAD interposer for tests/inode/reply_fail.sh:
 * make the daemon's reply to a request fail, or one kind of reopen fail,
 * as the kernel and the system can make them fail, but on demand.
 *
 *   REPLY_FAIL_OPCODE=N   the first REPLY_FAIL_COUNT (default 1) successful
 *                         replies to a request of opcode N fail: the
 *                         kernel gets an EIO answer instead (so its caller
 *                         does not hang) and the daemon's write fails with
 *                         ENOENT, which is what fuse_dev_do_write answers
 *                         for a request it no longer has (an aborted
 *                         connection, fs/fuse/dev.c).  The daemon must then
 *                         undo what the reply would have given the kernel.
 *   REOPEN_FAIL_ERRNO=E   every open of a /proc/self/fd/N magic link for
 *                         writing without O_DIRECT fails with errno E (the
 *                         reopen an O_DIRECT writable open makes for the
 *                         kernel's writeback, and any writable reopen).
 *
 * A reply goes out on the thread that read its request (every op of the
 * shim answers on its own thread), so the opcode of a reply is the opcode
 * this thread last read with that unique.
 */
/* open and open64 are both defined here: no redirection of one to the other. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tests/lib/fuse_device.h"

static _Thread_local uint64_t last_unique;
static _Thread_local uint32_t last_opcode;
static atomic_int failed_replies;

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 0) : dflt;
}

ssize_t read(int fd, void *buf, size_t len)
{
    static ssize_t (*real_read)(int, void *, size_t);
    if (!real_read)
        real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    ssize_t n = real_read(fd, buf, len);
    if (n >= (ssize_t)sizeof(struct fuse_in_header) && getenv("REPLY_FAIL_OPCODE") &&
        is_fuse_device(fd)) {
        struct fuse_in_header ih;
        memcpy(&ih, buf, sizeof ih);
        last_unique = ih.unique;
        last_opcode = ih.opcode;
    }
    return n;
}

ssize_t writev(int fd, const struct iovec *iov, int count)
{
    static ssize_t (*real_writev)(int, const struct iovec *, int);
    if (!real_writev)
        real_writev = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    long opcode = env_long("REPLY_FAIL_OPCODE", -1);
    struct fuse_out_header oh;
    if (opcode >= 0 && count > 0 && iov[0].iov_len >= sizeof oh) {
        memcpy(&oh, iov[0].iov_base, sizeof oh);
        if (oh.unique && oh.unique == last_unique && last_opcode == (uint32_t)opcode &&
            oh.error == 0 && is_fuse_device(fd) &&
            atomic_fetch_add(&failed_replies, 1) < env_long("REPLY_FAIL_COUNT", 1)) {
            struct fuse_out_header err = { .len = sizeof err, .error = -EIO, .unique = oh.unique };
            struct iovec e = { &err, sizeof err };
            if (real_writev(fd, &e, 1) < 0) {
                /* the kernel no longer waits for it either */
            }
            errno = ENOENT;
            return -1;
        }
    }
    return real_writev(fd, iov, count);
}

static int reopen_fails(const char *path, int flags)
{
    static const char prefix[] = "/proc/self/fd/";
    long err = env_long("REOPEN_FAIL_ERRNO", 0);
    if (err <= 0 || strncmp(path, prefix, sizeof prefix - 1) != 0)
        return 0;
    if ((flags & O_PATH) || (flags & O_DIRECT) || (flags & O_ACCMODE) == O_RDONLY)
        return 0;
    return (int)err;
}

#define OPEN_WRAPPER(name)                                                              \
    int name(const char *path, int flags, ...)                                         \
    {                                                                                  \
        static int (*real)(const char *, int, ...);                                    \
        if (!real)                                                                     \
            real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name);          \
        mode_t mode = 0;                                                               \
        if (flags & (O_CREAT | __O_TMPFILE)) {                                         \
            va_list ap;                                                                \
            va_start(ap, flags);                                                       \
            mode = va_arg(ap, mode_t);                                                 \
            va_end(ap);                                                                \
        }                                                                              \
        int err = reopen_fails(path, flags);                                           \
        if (err) {                                                                     \
            errno = err;                                                               \
            return -1;                                                                 \
        }                                                                              \
        return real(path, flags, mode);                                                \
    }

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)
