/* unmount_guard.c — see unmount_guard.h. */
#include "shim/unmount_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "shim/mount_identity.h"

/* Set (to anything) to make the guard use the method for kernels without
 * unique mount ids; the tests run the reuse case both ways. */
#define FALLBACK_ENV "FUSETRACE_TEST_GUARD_FALLBACK"

/* The guard process: wait until the daemon is gone, then unmount our mount
 * if, and only if, it is still there. */
static void guard_main(const char *mnt, int keep, struct mount_identity *id, bool keep_stderr)
{
    /* Own session: the terminal's Ctrl-C must not take the guard down
     * with the daemon it guards. */
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    /* Hold nothing but the pipe, stderr and the connection's fusectl file;
     * above all not /dev/fuse, which would keep the connection alive. */
    for (int fd = 0; fd < 1024; fd++)
        if (fd != keep && fd != 2 && fd != id->conn_fd)
            close(fd);
    if (!keep_stderr) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0 && null != 2) {
            dup2(null, 2);
            close(null);
        }
    }
    char c;
    while (read(keep, &c, 1) < 0 && errno == EINTR)
        ;
    /* The daemon is gone.  Whatever is at the path now may be someone
     * else's mount (ours unmounted, a new one made in its place): the fd
     * pins the mount we checked, and the unmount goes through it. */
    int root = mount_identity_open_if_ours(mnt, id);
    if (root < 0)
        _exit(0);
    char via[64];
    snprintf(via, sizeof(via), "/proc/self/fd/%d", root);
    if (geteuid() == 0) {
        umount2(via, MNT_DETACH);
        _exit(0);
    }
    /* A user's mount can only be undone by the setuid helper, which takes
     * a path (and resolves it itself), so the check above is the last one. */
    close(root);
    execlp("fusermount3", "fusermount3", "-u", "-z", "--", mnt, (char *)NULL);
    _exit(127);
}

int unmount_guard_start(const char *mountpoint, bool keep_stderr)
{
    /* Canonical already (cmd_mount.c resolves it before mounting; resolving
     * it now would go through the mount). */
    struct mount_identity id;
    char err[256];
    if (mount_identity_take(mountpoint, getenv(FALLBACK_ENV) != NULL, &id, err, sizeof(err)) < 0) {
        fprintf(stderr, "fusetrace: cannot identify our mount: %s\n", err);
        return -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        mount_identity_release(&id);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        mount_identity_release(&id);
        return -1;
    }
    if (pid == 0)
        guard_main(mountpoint, p[0], &id, keep_stderr);
    close(p[0]);
    mount_identity_release(&id);
    /* p[1] stays open (close-on-exec, so `record`'s command does not hold
     * it) until this process ends. */
    return 0;
}
