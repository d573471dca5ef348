/* mount_helper.h — fusetrace as mount(8)'s helper, and `-o remount`.
 *
 * `mount -t fuse.fusetrace SOURCE DIR -o OPTS` and an fstab line of type
 * fuse.fusetrace make mount(8) run /sbin/mount.fuse.fusetrace (util-linux
 * looks for mount.TYPE first; only without it does it fall back to
 * mount.fuse3, which would run `fusetrace SOURCE DIR -o OPTS`, a command
 * line fusetrace does not take).  That helper is a symlink to the fusetrace
 * binary, which recognises the name and mounts with --daemon: mount(8)
 * waits for it, and its exit status is the answer.
 */
#ifndef FUSETRACE_CLI_MOUNT_HELPER_H
#define FUSETRACE_CLI_MOUNT_HELPER_H

#include <stdbool.h>

#include "cli/cli.h"

/* Whether argv[0] names the helper (mount.fuse.fusetrace, mount.fusetrace). */
bool mount_helper_invoked(const char *argv0);

/* The helper: `mount.fuse.fusetrace SPEC DIR [-sfnv] [-N NS] [-o OPTS]
 * [-t TYPE]`, as mount(8) calls external helpers.  Returns the exit status. */
int mount_helper_main(int argc, char **argv);

/* `-o remount`: apply the VFS flags of c->vfs to the running FUSE mount at
 * c->fs.mountpoint.  Returns the exit status. */
int mount_remount(const struct cli *c);

#endif
