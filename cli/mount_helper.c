/* mount_helper.c — see mount_helper.h. */
#include "cli/mount_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"

bool mount_helper_invoked(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    return !strcmp(base, "mount.fuse.fusetrace") || !strcmp(base, "mount.fusetrace");
}

static int helper_usage(const char *why)
{
    fprintf(stderr, "mount.fuse.fusetrace: %s\n"
                    "usage: mount.fuse.fusetrace SOURCE MOUNTPOINT [-sfnv] [-N NAMESPACE] "
                    "[-o OPTIONS] [-t TYPE]\n"
                    "(run by mount(8) for `mount -t fuse.fusetrace`; see 'fusetrace mount --help')\n",
                    why);
    return 2;
}

int mount_helper_main(int argc, char **argv)
{
    const char *pos[2] = { NULL, NULL };
    int npos = 0;
    char opts[4096] = "";
    size_t used = 0;
    bool fake = false, verbose = false;
    const char *ns = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            if (npos == 2)
                return helper_usage("too many arguments");
            pos[npos++] = a;
        } else if (!strcmp(a, "-o") || !strcmp(a, "-t") || !strcmp(a, "-N")) {
            if (i + 1 >= argc)
                return helper_usage("an option needs a value");
            const char *v = argv[++i];
            if (a[1] == 'o') {
                int n = snprintf(opts + used, sizeof(opts) - used, "%s%s", used ? "," : "", v);
                if (n < 0 || (size_t)n >= sizeof(opts) - used)
                    return helper_usage("options too long");
                used += (size_t)n;
            } else if (a[1] == 'N') {
                ns = v;
            }
            /* -t: the type that brought us here (fuse.fusetrace) */
        } else {
            /* -s sloppy, -f fake, -n no mtab, -v verbose; combinable */
            for (const char *f = a + 1; *f; f++) {
                if (*f == 'f')
                    fake = true;
                else if (*f == 'v')
                    verbose = true;
                else if (*f != 's' && *f != 'n')
                    return helper_usage("unknown option");
            }
        }
    }
    if (npos < 2)
        return helper_usage("missing SOURCE or MOUNTPOINT");
    if (ns) {
        /* mount(8) -N: mount in another mount namespace */
        int fd = open(ns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
            fprintf(stderr, "mount.fuse.fusetrace: cannot enter the mount namespace %s: %s\n", ns,
                    strerror(errno));
            return 32;   /* mount(8)'s "mount failure" */
        }
        close(fd);
    }
    /* The source is the first argument, unless -o source= names it (then
     * mount(8)'s first argument is a placeholder such as "none"). */
    bool source_opt = strstr(opts, "source=") != NULL &&
                      (!strncmp(opts, "source=", 7) || strstr(opts, ",source="));
    char *args[8];
    int n = 0;
    args[n++] = "mount";
    bool remount = false;
    for (const char *p = opts; (p = strstr(p, "remount")); p += 7)
        if ((p == opts || p[-1] == ',') && (p[7] == ',' || p[7] == '\0'))
            remount = true;
    if (!remount)
        args[n++] = "--daemon";
    if (opts[0]) {
        args[n++] = "-o";
        args[n++] = opts;
    }
    if (!source_opt || remount)
        args[n++] = (char *)pos[0];
    args[n++] = (char *)pos[1];
    args[n] = NULL;
    if (verbose || fake) {
        fprintf(stderr, "mount.fuse.fusetrace: fusetrace");
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %s", args[i]);
        fprintf(stderr, "\n");
    }
    if (fake)
        return 0;
    int r = cmd_mount(n, args);
    /* mount(8) reads any non-zero status of a helper as a failure; keep
     * the usage-error status distinct from "could not mount" (32) */
    return r == 0 ? 0 : r == 2 ? 1 : 32;
}

/* The type of the topmost mount at canonical path `mnt`.  0, or -1 if
 * nothing is mounted there. */
static int mount_type_at(const char *mnt, char *type, size_t tlen)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    char line[8192];
    int r = -1;
    while (fgets(line, sizeof(line), f)) {
        char path[PATH_MAX], t[128];
        if (sscanf(line, "%*u %*u %*s %*s %4095s", path) != 1)
            continue;
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(dash + 3, "%127s", t) != 1)
            continue;
        /* mountinfo escapes space, tab, newline and backslash as \ooo */
        char plain[PATH_MAX];
        size_t o = 0;
        for (const char *s = path; *s && o < sizeof(plain) - 1; s++) {
            if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
                plain[o++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                s += 3;
            } else {
                plain[o++] = *s;
            }
        }
        plain[o] = '\0';
        if (strcmp(plain, mnt) != 0)
            continue;
        snprintf(type, tlen, "%s", t);
        r = 0;   /* keep the last: the topmost */
    }
    fclose(f);
    return r;
}

int mount_remount(const struct cli *c)
{
    char mnt[PATH_MAX], type[128], err[512];
    if (!realpath(c->fs.mountpoint, mnt)) {
        fprintf(stderr, "fusetrace: %s: %s\n", c->fs.mountpoint, strerror(errno));
        return 1;
    }
    if (mount_type_at(mnt, type, sizeof(type)) < 0 ||
        strncmp(type, "fuse", 4) != 0 || (type[4] != '\0' && type[4] != '.')) {
        fprintf(stderr, "fusetrace: remount: no FUSE mount at %s\n", mnt);
        return 1;
    }
    if (c->remount_fixed[0])
        fprintf(stderr, "fusetrace: remount of %s changes VFS flags only; these stay as "
                        "mounted: %s\n", mnt, c->remount_fixed);
    if (!vfs_flags_pending(&c->fs.vfs))
        return 0;
    if (vfs_flags_apply_super(mnt, &c->fs.vfs, err, sizeof(err)) < 0 ||
        vfs_flags_apply_mount(mnt, &c->fs.vfs, err, sizeof(err)) < 0) {
        fprintf(stderr, "fusetrace: remount: %s\n", err);
        return 1;
    }
    return 0;
}
