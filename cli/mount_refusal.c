/* mount_refusal.c — see mount_refusal.h. */
#include "cli/mount_refusal.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* `path` made canonical even if its last component does not exist yet
 * (a socket directory created later, a database about to be created):
 * the canonical parent plus that name.  false if the parent cannot be
 * resolved either. */
static bool canonical(const char *path, char out[PATH_MAX])
{
    if (realpath(path, out))
        return true;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    const char *name = path;
    if (!slash) {
        snprintf(parent, sizeof parent, ".");
    } else {
        name = path + (slash - parent) + 1;
        if (slash == parent)
            parent[1] = '\0';
        else
            *slash = '\0';
    }
    char rparent[PATH_MAX];
    if (!*name || !realpath(parent, rparent))
        return false;
    int n = snprintf(out, PATH_MAX, "%s%s%s", rparent, strcmp(rparent, "/") ? "/" : "", name);
    return n > 0 && n < PATH_MAX;
}

/* Mounting on `mnt` hides `path`: they are the same, or mnt is an
 * ancestor of it (both canonical). */
static bool covers(const char *mnt, const char *path)
{
    size_t n = strlen(mnt);
    if (n == 1)
        return true;
    return strncmp(path, mnt, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The directory a file would be created in (path may be relative). */
static bool dir_of(const char *file, char out[PATH_MAX])
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", file);
    char *slash = strrchr(tmp, '/');
    if (!slash)
        return realpath(".", out) != NULL;
    if (slash == tmp)
        slash[1] = '\0';
    else
        *slash = '\0';
    return canonical(tmp, out);
}

/* fusermount3's directory, from PATH (as execlp finds it). */
static bool fusermount_dir(char out[PATH_MAX])
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char cand[PATH_MAX];
        snprintf(cand, sizeof cand, "%s/fusermount3", d);
        if (access(cand, X_OK) == 0 && realpath(cand, out)) {
            *strrchr(out, '/') = '\0';
            if (!*out)
                snprintf(out, PATH_MAX, "/");
            return true;
        }
    }
    return false;
}

static int refuse(const char *mnt, const char *path, const char *why)
{
    if (strcmp(mnt, path) == 0)
        fprintf(stderr, "fusetrace: refusing to mount on %s: %s\n", mnt, why);
    else
        fprintf(stderr, "fusetrace: refusing to mount on %s: it would cover %s; %s\n", mnt,
                path, why);
    return 2;
}

int refuse_mountpoint(const struct cli *cli)
{
    const char *mnt = cli->fs.mountpoint;
    char p[PATH_MAX];

    /* The places the daemon itself needs while it serves. */
    static const struct {
        const char *path, *why;
    } system_paths[] = {
        { "/proc", "the daemon reads /proc while it serves (its own fds, fdinfo and mounts, "
                   "its callers' identities)" },
        { "/sys", "the kernel's FUSE connection controls are in /sys (/sys/fs/fuse)" },
        { "/dev", "the daemon needs /dev while it serves (/dev/shm for LTTng-UST)" },
        { "/etc", "libfuse reads /etc/mtab right after mounting, before the filesystem serves "
                  "(it would wait for itself)" },
        { "/run/lttng", "LTTng-UST in the daemon reconnects to the session daemon's sockets "
                        "there while it serves" },
    };
    for (size_t i = 0; i < sizeof system_paths / sizeof *system_paths; i++)
        if (canonical(system_paths[i].path, p) && covers(mnt, p))
            return refuse(mnt, p, system_paths[i].why);

    /* The per-user LTTng socket directory, wherever LTTng-UST looks. */
    const char *home = getenv("LTTNG_HOME");
    if (!home || !*home)
        home = getenv("HOME");
    if (home && *home) {
        char sock[PATH_MAX];
        snprintf(sock, sizeof sock, "%s/.lttng", home);
        if (canonical(sock, p) && covers(mnt, p))
            return refuse(mnt, p, "LTTng-UST in the daemon reconnects to the per-user session "
                                  "daemon's sockets there while it serves");
    }
    if (geteuid() != 0 && fusermount_dir(p) && covers(mnt, p))
        return refuse(mnt, p, "fusermount3, which unmounts a user's mount, is there");

    /* The recording's own files. */
    const char *db = cli->db_path;
    bool default_db = cli->record && !cli->no_db && !db;
    if ((db || default_db) && dir_of(db ? db : "fusetrace.db", p) && covers(mnt, p))
        return refuse(mnt, p, "the recording database would be under the mountpoint (its "
                              "directory is written while the filesystem serves)");
    if (cli->record && cli->lttng &&
        dir_of(cli->lttng_output ? cli->lttng_output : "fusetrace.lttng", p) && covers(mnt, p))
        return refuse(mnt, p, "the LTTng trace would be under the mountpoint (its directory "
                              "is written while the filesystem serves)");

    /* The source reaches the mountpoint: lookups through it would be
     * requests to the daemon itself. */
    const char *src = cli->fs.source;
    if (strcmp(src, mnt) != 0 && covers(src, mnt)) {
        fprintf(stderr, "fusetrace: refusing to mount on %s: it is inside the source %s, "
                        "so the filesystem would reach its own mount through the source\n",
                mnt, src);
        return 2;
    }
    return 0;
}
