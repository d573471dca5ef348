/* fuse_device.h — for the LD_PRELOAD interposers of the tests
 * (tests/mount/read_aborted.c, tests/inode/reply_fail.c), which act only on
 * the daemon's reads and writes of /dev/fuse. */
#ifndef FUSETRACE_TESTS_LIB_FUSE_DEVICE_H
#define FUSETRACE_TESTS_LIB_FUSE_DEVICE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Whether fd is open on /dev/fuse (by /proc/self/fd: the daemon's own). */
static inline bool is_fuse_device(int fd)
{
    char link[64], target[32];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return false;
    target[n] = 0;
    return strcmp(target, "/dev/fuse") == 0;
}

#endif
