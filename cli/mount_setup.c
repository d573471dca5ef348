/* mount_setup.c — what `fusetrace mount` and `fusetrace record` do alike
 * before and after serving: the shared preamble, the placement checks of
 * the outputs, and opening and closing the recorder. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "cli/mount_helper.h"
#include "cli/mount_refusal.h"
#include "cli/mount_setup.h"
#include "shim/creds.h"
#include "shim/mount_identity.h"
#include "trace/ktrace.h"
#include "trace/recorder.h"

mode_t user_umask = 022;

/* True if `path` (which may not exist yet) would live at or under `dir`. */
bool path_is_under(const char *path, const char *dir)
{
    char rdir[PATH_MAX], rpath[PATH_MAX], parent[PATH_MAX];
    if (!realpath(dir, rdir))
        return false;
    snprintf(parent, sizeof(parent), "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof(parent), ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (!realpath(parent, rpath))
        return false;
    size_t n = strlen(rdir);
    return strncmp(rpath, rdir, n) == 0 && (rpath[n] == '/' || rpath[n] == '\0' || n == 1);
}

void timestamped(char *buf, size_t len, const char *suffix)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "fusetrace-%s%s", stamp, suffix);
}

/* Check SOURCE and MOUNTPOINT and make them absolute, before anything is
 * mounted: afterwards resolving the mountpoint would go through the mount. */
static char abs_source[PATH_MAX], abs_mountpoint[PATH_MAX];

static int check_dirs(struct cli *cli)
{
    struct stat st;
    if (stat(cli->fs.source, &st) < 0) {
        fprintf(stderr, "fusetrace: %s: %s\n", cli->fs.source, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fusetrace: %s is not a directory\n", cli->fs.source);
        return -1;
    }
    if (stat(cli->fs.mountpoint, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fusetrace: mountpoint %s is not a directory\n", cli->fs.mountpoint);
        return -1;
    }
    if (!realpath(cli->fs.source, abs_source) || !realpath(cli->fs.mountpoint, abs_mountpoint)) {
        fprintf(stderr, "fusetrace: cannot resolve %s: %s\n", cli->fs.mountpoint, strerror(errno));
        return -1;
    }
    cli->fs.source = abs_source;
    cli->fs.mountpoint = abs_mountpoint;
    return 0;
}

/* Decide the recording's sinks and open the recorder.  Refuses a database
 * under the mountpoint: the shim would be serving its own writes (a
 * deadlock at worst, a recording of itself at best). */
int open_recorder(struct cli *cli, char *db_buf, size_t db_len)
{
    const char *db = cli->db_path;
    if (!db && cli->record && !cli->no_db) {
        timestamped(db_buf, db_len, ".db");
        db = db_buf;
    }
    if (!db && !cli->lttng)
        return 0;
    if (db && path_is_under(db, cli->fs.mountpoint)) {
        fprintf(stderr,
                "fusetrace: refusing to record to %s: it is under the mountpoint %s "
                "(the filesystem would record its own writes); use --db with a path elsewhere\n",
                db, cli->fs.mountpoint);
        return -1;
    }
    struct rec_config rc = {
        .db_path = db,
        .lttng = cli->lttng,
        .drop = cli->drop,
        .ring_bytes = cli->ring_bytes,
        .capture_data = cli->capture_data,
        .snapshot_data = cli->fs.snapshot_data,
        .source = cli->fs.source,
        .mountpoint = cli->fs.mountpoint,
        .options = cli->options_line,
        .libfuse = fuse_pkgversion(),
    };
    char cmdline[4096] = "";
    if (cli->command) {
        size_t used = 0;
        for (char **a = cli->command; *a && used < sizeof(cmdline) - 1; a++) {
            int n = snprintf(cmdline + used, sizeof(cmdline) - used, "%s%s", used ? " " : "", *a);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        rc.command = cmdline;
    }
    char err[512];
    if (recorder_open(&rc, err, sizeof(err)) < 0) {
        fprintf(stderr, "fusetrace: cannot record: %s\n", err);
        return -1;
    }
    if (db)
        fprintf(stderr, "fusetrace: recording to %s\n", db);
    cli->db_path = db;
    return 0;
}

int finish_recording(void)
{
    if (!rec_enabled())
        return 0;
    struct rec_result res;
    recorder_close(&res);
    /* recorder_close has said why on stderr */
    return res.complete ? 0 : -1;
}

int mount_prepare(int argc, char **argv, bool record, int failed, struct cli *cli)
{
    /* The filesystem creates files with the modes the kernel sends: the
     * caller's umask is applied by the kernel, or (with POSIX ACLs
     * negotiated) by the source under the caller's umask taken for that one
     * call (shim/caller_umask.h); the daemon's own must never add to it.
     * Its own outputs (database, LTTng directory) have explicit modes. */
    user_umask = umask(0);
    int r = cli_parse(argc, argv, record, cli);
    if (r)
        return r < 0 ? 0 : r;
    if (cli->remount)   /* a running mount's VFS flags: nothing to mount */
        return mount_remount(cli);
    if (cli->fs.allow_other && !cli->no_default_permissions)
        cli->fs.default_permissions = true;
    if ((r = creds_policy(&cli->fs)) != 0)
        return r;
    /* VFS flags beyond libfuse's (shim/mount_options.h) are applied by us,
     * which needs CAP_SYS_ADMIN; fusermount3 does not take them. */
    if (vfs_flags_pending(&cli->fs.vfs) && geteuid() != 0) {
        fprintf(stderr, "fusetrace: -o %s needs root: an unprivileged mount goes through "
                        "fusermount3, which does not apply it\n", cli->fs.vfs.names);
        return 2;
    }
    if (check_dirs(cli) < 0)
        return failed;
    if ((r = refuse_mountpoint(cli)) != 0)
        return r;
    /* Before anything is created: --kernel-trace=on refuses here. */
    bool recording = cli->db_path || cli->lttng || (record && !cli->no_db);
    if (ktrace_probe(cli->kernel_trace, recording) < 0)
        return 2;
    return -1;
}

int connect_kernel_trace(const struct cli *cli)
{
    /* The connection's device number, without sending the mount a
     * request: nothing serves it yet. */
    struct mount_identity id;
    char err[512];
    if (mount_identity_take(cli->fs.mountpoint, false, &id, err, sizeof(err)) < 0) {
        fprintf(stderr, "fusetrace: %s\n", err);
        return ktrace_connect(0);
    }
    mount_identity_release(&id);
    return ktrace_connect(id.dev);
}
