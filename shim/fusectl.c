/* fusectl.c — see fusectl.h. */
#include "shim/fusectl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define FUSECTL_SUPER_MAGIC 0x65735543

int fusectl_open(dev_t dev, const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), FUSECTL_DIR "/%lu/%s",
             ((unsigned long)major(dev) << 20) | (unsigned long)minor(dev), name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

int fusectl_ensure_mounted(char *why, size_t cap)
{
    struct statfs sf;
    if (statfs(FUSECTL_DIR, &sf) == 0 && sf.f_type == FUSECTL_SUPER_MAGIC)
        return 0;
    if (mount("fusectl", FUSECTL_DIR, "fusectl", 0, NULL) == 0)
        return 0;
    snprintf(why, cap, "fusectl is not mounted at " FUSECTL_DIR " and cannot be mounted there: %s",
             strerror(errno));
    return -1;
}
