/* unmount_guard.c — see unmount_guard.h. */
#include "shim/unmount_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* The id of the topmost fuse.fusetrace mount at `mnt` (canonical path), or
 * -1.  Read from mountinfo, never by stat: a stat of the mountpoint would be
 * a request to our own (possibly dead or not yet serving) daemon. */
static long our_mount_id(const char *mnt)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    char line[8192];
    long found = -1;
    while (fgets(line, sizeof(line), f)) {
        long id;
        char path[PATH_MAX], type[64];
        /* id parent major:minor root mountpoint opts [optional...] - type ... */
        if (sscanf(line, "%ld %*d %*s %*s %4095s", &id, path) != 2)
            continue;
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(dash + 3, "%63s", type) != 1)
            continue;
        /* mountinfo escapes space, tab, newline and backslash as \ooo */
        char unescaped[PATH_MAX];
        size_t o = 0;
        for (const char *s = path; *s && o < sizeof(unescaped) - 1; s++) {
            if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
                unescaped[o++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                s += 3;
            } else {
                unescaped[o++] = *s;
            }
        }
        unescaped[o] = '\0';
        if (!strcmp(unescaped, mnt) && !strcmp(type, "fuse.fusetrace"))
            found = id;   /* keep the last: the topmost */
    }
    fclose(f);
    return found;
}

int unmount_guard_start(const char *mountpoint)
{
    /* Canonical already (cmd_mount.c resolves it before mounting; resolving
     * it now would go through the mount). */
    const char *mnt = mountpoint;
    long id = our_mount_id(mnt);
    if (id < 0) {
        fprintf(stderr, "fusetrace: cannot find our mount at %s in mountinfo\n", mnt);
        return -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        /* Own session: the terminal's Ctrl-C must not take the guard down
         * with the daemon it guards. */
        setsid();
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        /* Hold nothing but the pipe; above all not /dev/fuse, which would
         * keep the connection alive. */
        int keep = p[0];
        for (int fd = 0; fd < 1024; fd++)
            if (fd != keep && fd != 2)
                close(fd);
        char c;
        while (read(keep, &c, 1) != 0 && errno == EINTR)
            ;
        if (our_mount_id(mnt) != id)
            _exit(0);
        if (geteuid() == 0) {
            umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW);
            _exit(0);
        }
        /* A user's mount can only be undone by the setuid helper. */
        execlp("fusermount3", "fusermount3", "-u", "-z", "--", mnt, (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    /* p[1] stays open (close-on-exec, so `record`'s command does not hold
     * it) until this process ends. */
    return 0;
}
