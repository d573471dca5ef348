/* read_aborted.c — an LD_PRELOAD interposer for tests/mount/aborted_read.sh.
 *
 * The kernel fails a read of /dev/fuse with ECONNABORTED, FUSE_ABORT_ERROR
 * or not, when the read took a request off the queue just as the connection
 * shut down (fs/fuse/dev.c, fuse_dev_do_read, after fuse_abort_conn) — and a
 * plain unmount shuts the connection down through fuse_abort_conn too.  The
 * race is rare (seen once in CI, in tests/mount/cycles.sh: 200 unmounts
 * under load per run).  This module makes it certain: every read of
 * /dev/fuse that fails with ENODEV fails with ECONNABORTED instead (only one
 * would, when the race is lost; but then whether libfuse sees it first
 * depends on which worker wakes first), and the first time the file named
 * by $READ_ABORTED_MARK gets a line saying who, so that the test knows the
 * substitution happened.
 *
 * With READ_END_DELAY_MS set (tests/record/abort.sh --late), it does not
 * substitute: a read that fails with ENODEV returns ENODEV, that many
 * milliseconds late, so the daemon's readers learn of the end of the
 * connection after whatever the rest of the process does meanwhile (record
 * unmounting once its command has ended).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/fuse_device.h"

static atomic_bool marked;

ssize_t read(int fd, void *buf, size_t len)
{
    static ssize_t (*real_read)(int, void *, size_t);
    if (!real_read)
        real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    ssize_t n = real_read(fd, buf, len);
    const char *delay = getenv("READ_END_DELAY_MS");
    if (delay && n < 0 && errno == ENODEV && is_fuse_device(fd)) {
        struct timespec ts = { atol(delay) / 1000, (atol(delay) % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        errno = ENODEV;
        return -1;
    }
    if (n < 0 && errno == ENODEV && is_fuse_device(fd)) {
        const char *mark = getenv("READ_ABORTED_MARK");
        if (mark && !atomic_exchange(&marked, true)) {
            int m = open(mark, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (m >= 0) {
                char comm[32] = "", line[96];
                pthread_getname_np(pthread_self(), comm, sizeof comm);
                int k = snprintf(line, sizeof line, "pid %ld thread %s fd %d\n", (long)getpid(), comm, fd);
                if (write(m, line, (size_t)k) != k) {
                    /* nothing to do: the mark exists */
                }
                close(m);
            }
        }
        errno = ECONNABORTED;
        return -1;
    }
    return n;
}
