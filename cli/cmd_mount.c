/* cmd_mount.c — `fusetrace mount`: mount, serve in the foreground until
 * unmounted or signalled, finalise the recording. */
#include <limits.h>

#include "cli/commands.h"
#include "cli/mount_setup.h"
#include "shim/session.h"

int cmd_mount(int argc, char **argv)
{
    struct cli cli;
    int r = mount_prepare(argc, argv, false, 1, &cli);
    if (r >= 0)
        return r;
    cli.fs.splice = !(cli.db_path || cli.lttng);

    char db[PATH_MAX];
    if (open_recorder(&cli, db, sizeof(db)) < 0)
        return 1;
    struct fs fs;
    if (fs_open(&fs, &cli.fs) < 0) {
        finish_recording();
        return 1;
    }
    int status = 0;
    if (session_mount(&fs, cli.fuse_opts, true) < 0) {
        status = 1;
    } else {
        if (session_loop(&fs) < 0)
            status = 1;
        session_end(&fs, true);
    }
    fs_close(&fs);
    if (finish_recording() < 0 && status == 0)
        status = 3;
    return status;
}
