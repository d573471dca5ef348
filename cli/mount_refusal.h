/* mount_refusal.h — mountpoints the daemon cannot serve.
 *
 * A FUSE daemon that needs a file under its own mountpoint while it serves
 * asks itself for it: at best it records itself, at worst it waits for
 * itself (a lookup it cannot answer before it has served, a /proc read
 * that needs the very request it is serving).  `mount` and `record`
 * refuse, before mounting, a mountpoint that is or contains anything the
 * daemon uses after the mount exists:
 *   - /proc (its own fds, fdinfo and mounts; its callers' identities),
 *     /sys (the kernel's FUSE connection controls), /dev (/dev/shm for
 *     LTTng-UST), /etc (libfuse reads /etc/mtab right after mounting,
 *     before the loop serves), LTTng's session daemon socket directories
 *     (/run/lttng; $LTTNG_HOME/.lttng or $HOME/.lttng — every LTTng-UST
 *     process reconnects to them while it runs), and for a user's mount
 *     the directory of fusermount3 (run to unmount);
 *   - the directory of the recording database and of record's LTTng
 *     trace (written while serving);
 *   - a mountpoint inside the source directory (the daemon would reach
 *     its own mount through the source: every lookup of the mountpoint's
 *     name would be a request to itself).
 * What it opens before mounting (the source, /dev/fuse, the database, the
 * shared libraries, libgcc_s for thread cancellation) needs no refusal.
 * The list was taken from strace -f of a recording daemon (SQLite and
 * LTTng, allow_other) and from what the code opens after mounting.
 */
#ifndef FUSETRACE_CLI_MOUNT_REFUSAL_H
#define FUSETRACE_CLI_MOUNT_REFUSAL_H

#include "cli/cli.h"

/* cli->fs.source and cli->fs.mountpoint are absolute and canonical.
 * Returns 0, or 2 after one line on stderr saying what the mountpoint
 * would cover and why the daemon needs it. */
int refuse_mountpoint(const struct cli *cli);

#endif
