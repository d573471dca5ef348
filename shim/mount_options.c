/* mount_options.c — see mount_options.h. */
#include "shim/mount_options.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* Per-mount attributes: name, bits to set, bits to clear.  The atime modes
 * are one field (MOUNT_ATTR__ATIME), cleared before the mode is set; the
 * last of several wins, as with mount(8). */
static const struct {
    const char *name;
    uint64_t set, clr;
    bool remount_only;   /* libfuse takes it at mount time */
} attrs[] = {
    { "noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME, false },
    { "atime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, false },
    { "relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, false },
    { "nostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, false },
    { "strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, false },
    { "norelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, false },
    { "nodiratime", MOUNT_ATTR_NODIRATIME, 0, false },
    { "diratime", 0, MOUNT_ATTR_NODIRATIME, false },
    { "nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0, false },
    { "symfollow", 0, MOUNT_ATTR_NOSYMFOLLOW, false },
    { "nosuid", MOUNT_ATTR_NOSUID, 0, true },
    { "suid", 0, MOUNT_ATTR_NOSUID, true },
    { "nodev", MOUNT_ATTR_NODEV, 0, true },
    { "dev", 0, MOUNT_ATTR_NODEV, true },
    { "noexec", MOUNT_ATTR_NOEXEC, 0, true },
    { "exec", 0, MOUNT_ATTR_NOEXEC, true },
};

/* mount(8)'s and systemd's own options, meaningless to the filesystem. */
static const char *const dropped[] = {
    "defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group",
    "_netdev", "nofail", "silent", "loud", "nomand", "noiversion",
};
static const char *const dropped_prefixes[] = { "x-", "comment=" };

void vfs_flags_init(struct vfs_flags *v)
{
    memset(v, 0, sizeof(*v));
    v->ro = v->sync = v->lazytime = -1;
}

static void note(struct vfs_flags *v, const char *opt)
{
    size_t len = strlen(v->names);
    snprintf(v->names + len, sizeof(v->names) - len, "%s%s", len ? "," : "", opt);
}

enum mopt vfs_option(const char *opt, bool remount, struct vfs_flags *v, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(attrs) / sizeof(*attrs); i++) {
        if (strcmp(opt, attrs[i].name) != 0)
            continue;
        if (attrs[i].remount_only && !remount)
            return MOPT_NOT_OURS;
        uint64_t set = attrs[i].set, clr = attrs[i].clr;
        if (clr == MOUNT_ATTR__ATIME) {          /* one mode replaces another */
            v->attr_set = (v->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | set;
            v->attr_clr |= MOUNT_ATTR__ATIME;
        } else if (set) {
            v->attr_set |= set;
            v->attr_clr &= ~set;
        } else {
            v->attr_clr |= clr;
            v->attr_set &= ~clr;
        }
        note(v, opt);
        return MOPT_TAKEN;
    }
    if (!strcmp(opt, "lazytime") || !strcmp(opt, "nolazytime")) {
        v->lazytime = opt[0] == 'l';
        note(v, opt);
        return MOPT_TAKEN;
    }
    if (remount && (!strcmp(opt, "ro") || !strcmp(opt, "rw"))) {
        v->ro = opt[1] == 'o';
        note(v, opt);
        return MOPT_TAKEN;
    }
    if (remount && (!strcmp(opt, "sync") || !strcmp(opt, "async"))) {
        v->sync = opt[0] == 's';
        note(v, opt);
        return MOPT_TAKEN;
    }
    for (size_t i = 0; i < sizeof(dropped) / sizeof(*dropped); i++)
        if (!strcmp(opt, dropped[i]))
            return MOPT_DROPPED;
    for (size_t i = 0; i < sizeof(dropped_prefixes) / sizeof(*dropped_prefixes); i++)
        if (!strncmp(opt, dropped_prefixes[i], strlen(dropped_prefixes[i])))
            return MOPT_DROPPED;
    if (!strcmp(opt, "mand")) {
        snprintf(err, errlen, "-o mand: mandatory locking was removed from Linux (5.15)");
        return MOPT_REFUSED;
    }
    if (!strcmp(opt, "iversion")) {
        snprintf(err, errlen, "-o iversion: FUSE keeps no i_version for its inodes");
        return MOPT_REFUSED;
    }
    if (remount && !strcmp(opt, "dirsync")) {
        snprintf(err, errlen, "-o dirsync cannot be changed by a remount (Linux keeps it "
                              "from the mount); unmount and mount again");
        return MOPT_REFUSED;
    }
    return MOPT_NOT_OURS;
}

bool vfs_flags_pending(const struct vfs_flags *v)
{
    return v->attr_set || v->attr_clr || v->ro >= 0 || v->sync >= 0 || v->lazytime >= 0;
}

/* The new mount API: reconfigure the superblock of the mount at `mnt`
 * with the given flags only.  A legacy mount(MS_REMOUNT) would also reset
 * the per-mount flags it was not given (nosuid, nodev, noexec, nosymfollow
 * fall back to off). */
#ifndef SYS_fspick
#define SYS_fspick 433
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#define FSPICK_CLOEXEC_ 0x1
#define FSCONFIG_SET_FLAG_ 0
#define FSCONFIG_CMD_RECONFIGURE_ 7

static int reconfigure(const char *mnt, const char *const *flags, int n)
{
    int fd = (int)syscall(SYS_fspick, AT_FDCWD, mnt, FSPICK_CLOEXEC_);
    if (fd < 0)
        return -1;
    int r = 0;
    for (int i = 0; i < n && r == 0; i++)
        r = (int)syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG_, flags[i], NULL, 0);
    if (r == 0)
        r = (int)syscall(SYS_fsconfig, fd, FSCONFIG_CMD_RECONFIGURE_, NULL, NULL, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

int vfs_flags_apply_super(const char *mnt, const struct vfs_flags *v, char *err, size_t errlen)
{
    const char *flags[3];
    int n = 0;
    if (v->ro >= 0)
        flags[n++] = v->ro ? "ro" : "rw";
    if (v->sync >= 0)
        flags[n++] = v->sync ? "sync" : "async";
    if (v->lazytime >= 0)
        flags[n++] = v->lazytime ? "lazytime" : "nolazytime";
    if (n && reconfigure(mnt, flags, n) < 0) {
        snprintf(err, errlen, "cannot apply -o %s to %s: %s%s", v->names, mnt, strerror(errno),
                 errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
        return -1;
    }
    return 0;
}

int vfs_flags_apply_mount(const char *mnt, const struct vfs_flags *v, char *err, size_t errlen)
{
    if (v->attr_set || v->attr_clr) {
        struct mount_attr attr = { .attr_set = v->attr_set, .attr_clr = v->attr_clr };
        if (syscall(SYS_mount_setattr, AT_FDCWD, mnt, 0, &attr, sizeof(attr)) < 0) {
            snprintf(err, errlen, "cannot apply -o %s to %s: %s%s", v->names, mnt, strerror(errno),
                     errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
            return -1;
        }
    }
    return 0;
}
