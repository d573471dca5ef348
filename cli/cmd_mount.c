/* cmd_mount.c — `fusetrace mount`: mount, serve in the foreground (or, with
 * --daemon, in the background) until unmounted or signalled, finalise the
 * recording. */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/daemonize.h"
#include "cli/lttng_session.h"
#include "cli/mount_setup.h"
#include "shim/session.h"
#include "trace/ktrace.h"

/* A relative path given for a daemon, made absolute before it leaves the
 * caller's working directory. */
static const char *absolute(const char *path, char *buf, size_t len)
{
    char cwd[PATH_MAX];
    if (!path || path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return path;
    int n = snprintf(buf, len, "%s/%s", cwd, path);
    return n < 0 || (size_t)n >= len ? path : buf;
}

int cmd_mount(int argc, char **argv)
{
    struct cli cli;
    int r = mount_prepare(argc, argv, false, 1, &cli);
    if (r >= 0)
        return r;
    cli.fs.splice = !(cli.db_path || cli.lttng);
    char abs_db[PATH_MAX], abs_log[PATH_MAX];
    if (cli.daemon) {
        cli.fs.detached = true;
        cli.db_path = absolute(cli.db_path, abs_db, sizeof(abs_db));
        if (daemon_start(absolute(cli.log_path, abs_log, sizeof(abs_log))) < 0)
            return 1;
    }

    /* --lttng-url: a session of our own, begun in the process that serves
     * (after --daemon's fork: it records this pid only).  Plain --lttng
     * only emits events into sessions the user set up. */
    struct own_lttng lttng = { 0 };
    if (cli.lttng_url && own_lttng_begin(&cli, &lttng) < 0)
        return 1;
    char db[PATH_MAX];
    if (open_recorder(&cli, db, sizeof(db)) < 0) {
        own_lttng_end(&lttng);
        return 1;
    }
    struct fs fs;
    if (fs_open(&fs, &cli.fs) < 0) {
        finish_recording();
        own_lttng_end(&lttng);
        return 1;
    }
    int status = 0;
    if (ktrace_begin() < 0) {
        status = 2;
    } else if (session_mount(&fs, cli.fuse_opts, true) < 0) {
        status = 1;
    } else {
        if (connect_kernel_trace(&cli) < 0)
            status = 2;
        else if (when_serving_start(cli.fs.mountpoint, cli.fs.source, &cli.fs.vfs, cli.daemon) < 0 ||
                 session_loop(&fs) < 0)
            status = 1;
        session_end(&fs, true);
    }
    /* The connection is gone: the kernel has nothing more to say. */
    ktrace_end();
    fs_close(&fs);
    if (finish_recording() < 0 && status == 0)
        status = 3;
    /* Recorded or not, a session the kernel aborted did not end as the
     * user asked: scripts (and a service manager) must see it. */
    if (atomic_load(&fs.aborted) && status == 0)
        status = 3;
    if (own_lttng_end(&lttng) < 0 && status == 0)
        status = 3;
    if (cli.daemon)   /* the log's last word */
        fprintf(stderr, "fusetrace: %s unmounted; exiting with status %d\n", cli.fs.mountpoint,
                status);
    return status;
}
