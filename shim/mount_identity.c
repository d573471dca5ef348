/* mount_identity.c — see mount_identity.h. */
#include "shim/mount_identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/fusectl.h"

/* Newer than the installed uapi headers (Linux 6.8). */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

/* The mount root at `mnt`: O_PATH never opens the FUSE file, and crossing
 * into a mount root revalidates nothing, so this sends no request. */
static int open_mount_root(const char *mnt)
{
    return open(mnt, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* statx of fd itself with `mask`, from the inode as cached (no GETATTR). */
static int statx_cached(int fd, unsigned mask, struct statx *sx)
{
    return statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, mask, sx);
}

/* The mountinfo line of mount `old_id`: its device and whether its type is
 * FUSE ("fuse", "fuse.SUBTYPE", "fuseblk").  0, or -1 if there is none. */
static int mountinfo_lookup(uint64_t old_id, dev_t *dev, bool *is_fuse)
{
    /* Our own namespace's mount list, under namespace_sem for reading;
     * mount and umount take it for writing only while they change the
     * list, never across a FUSE request.  Read when the mount is made
     * (before it serves) and by the guard, which serves nothing. */
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    char line[8192];
    int r = -1;
    while (r < 0 && fgets(line, sizeof(line), f)) {
        unsigned long long id;
        unsigned maj, min;
        char type[64];
        /* id parent major:minor root mountpoint opts [optional...] - type ... */
        if (sscanf(line, "%llu %*u %u:%u", &id, &maj, &min) != 3 || id != old_id)
            continue;
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(dash + 3, "%63s", type) != 1)
            continue;
        *dev = makedev(maj, min);
        *is_fuse = !strncmp(type, "fuse", 4) && (type[4] == '\0' || type[4] == '.' ||
                                                 !strcmp(type + 4, "blk"));
        r = 0;
    }
    fclose(f);
    return r;
}

/* Our connection still exists: its fusectl file answers (a removed
 * connection's file reads as empty).  The file cannot seek and answers only
 * a read at offset 0, so this works once per open: the guard asks once. */
static bool connection_alive(int conn_fd)
{
    char buf[32];
    return read(conn_fd, buf, sizeof(buf)) > 0;
}

int mount_identity_take(const char *mnt, bool no_unique, struct mount_identity *id,
                        char *err, size_t errlen)
{
    memset(id, 0, sizeof(*id));
    id->conn_fd = -1;
    int fd = open_mount_root(mnt);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", mnt, strerror(errno));
        return -1;
    }
    struct statx sx;
    int r = statx_cached(fd, STATX_MNT_ID | STATX_MNT_ID_UNIQUE, &sx);
    int saved = errno;
    close(fd);
    if (r < 0) {
        snprintf(err, errlen, "cannot statx %s: %s", mnt, strerror(saved));
        return -1;
    }
    if (!(sx.stx_mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE))) {
        snprintf(err, errlen, "the kernel reports no mount id for %s", mnt);
        return -1;
    }
    id->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    if ((sx.stx_mask & STATX_MNT_ID_UNIQUE) && !no_unique) {
        id->has_unique = true;
        id->unique_id = sx.stx_mnt_id;
    }
    /* The old id (and a check that this is a FUSE mount at all). */
    if (id->has_unique || !(sx.stx_mask & STATX_MNT_ID)) {
        fd = open_mount_root(mnt);
        r = fd < 0 ? -1 : statx_cached(fd, STATX_MNT_ID, &sx);
        if (fd >= 0)
            close(fd);
        if (r < 0 || !(sx.stx_mask & STATX_MNT_ID)) {
            snprintf(err, errlen, "cannot read the mount id of %s", mnt);
            return -1;
        }
    }
    id->old_id = sx.stx_mnt_id;
    dev_t listed;
    bool is_fuse;
    if (mountinfo_lookup(id->old_id, &listed, &is_fuse) < 0 || listed != id->dev || !is_fuse) {
        snprintf(err, errlen, "the mount at %s is not the FUSE mount just made", mnt);
        return -1;
    }
    if (!id->has_unique)
        id->conn_fd = fusectl_open(id->dev, "waiting");   /* -1 without fusectl */
    return 0;
}

int mount_identity_open_if_ours(const char *mnt, const struct mount_identity *id)
{
    int fd = open_mount_root(mnt);
    if (fd < 0)
        return -1;
    struct statx sx;
    unsigned mask = id->has_unique ? STATX_MNT_ID_UNIQUE : STATX_MNT_ID;
    bool ours = statx_cached(fd, mask, &sx) == 0 && (sx.stx_mask & mask) &&
                makedev(sx.stx_dev_major, sx.stx_dev_minor) == id->dev;
    if (ours && id->has_unique)
        ours = sx.stx_mnt_id == id->unique_id;
    else if (ours && id->conn_fd >= 0)
        ours = connection_alive(id->conn_fd);   /* dev is ours while it lives */
    else if (ours)
        ours = sx.stx_mnt_id == id->old_id;     /* reusable: the best left */
    if (!ours) {
        close(fd);
        errno = ESTALE;
        return -1;
    }
    return fd;
}

void mount_identity_release(struct mount_identity *id)
{
    if (id->conn_fd >= 0)
        close(id->conn_fd);
    id->conn_fd = -1;
}
