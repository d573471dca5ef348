/* conn_waiting.c — see conn_waiting.h. */
#include "shim/conn_waiting.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/fusectl.h"
#include "shim/mount_identity.h"
#include "trace/recorder.h"

/* Only the watchdog thread touches this between start and finish. */
static struct {
    dev_t dev;                 /* our connection's superblock device */
    ino_t ino;                 /* its `waiting` file: ours, not a later connection's */
    bool gone;                 /* the connection ended: stop sampling */
} cw;

/* Read the count; -1 when the connection is gone or another has its number. */
static long long read_waiting(void)
{
    int fd = fusectl_open(cw.dev, "waiting");
    if (fd < 0)
        return -1;
    struct stat st;
    char buf[32];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && st.st_ino == cw.ino)
        n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    return end == buf || v < 0 ? -1 : v;
}

bool waiting_start(struct fs *fs)
{
    if (!rec_enabled())
        return false;
    char why[512];
    struct mount_identity id;
    if (fusectl_ensure_mounted(why, sizeof(why)) < 0
        || mount_identity_take(fs->cfg.mountpoint, false, &id, why, sizeof(why)) < 0) {
        fprintf(stderr, "fusetrace: the connection's waiting count is not sampled: %s\n", why);
        return false;
    }
    mount_identity_release(&id);
    memset(&cw, 0, sizeof(cw));
    cw.dev = id.dev;
    int fd = fusectl_open(cw.dev, "waiting");
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "fusetrace: the connection's waiting count is not sampled: "
                        "its fusectl file: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    close(fd);
    cw.ino = st.st_ino;
    return true;
}

void waiting_tick(struct fs *fs, uint64_t now)
{
    (void)fs;
    if (cw.gone)
        return;
    long long v = read_waiting();
    if (v < 0)
        cw.gone = true;
    else
        rec_counter(WAITING_COUNTER, now, v);
}

void waiting_finish(struct fs *fs, uint64_t now)
{
    (void)fs;
    (void)now;
    cw.gone = true;
}
