/* daemonize.h — `fusetrace mount --daemon` (and the mount(8) helper):
 * return once the mount serves, keep serving in the background.
 *
 * mount(8) waits for its helper and takes the exit status as the answer:
 * 0 must mean "mounted and serving", anything else "not mounted" with the
 * reason on stderr.  So the process forks at once; the parent waits until
 * the child says the mount answers a real request (a stat of the mount
 * root, which goes through FUSE only once INIT is done), or until the child
 * exits (its status, and its messages, which still go to our stderr), or a
 * timeout; the child runs in a new session, and from the moment it serves,
 * its stdout/stderr (fusetrace's messages and libfuse's) go to a log file
 * or to syslog.
 */
#ifndef FUSETRACE_CLI_DAEMONIZE_H
#define FUSETRACE_CLI_DAEMONIZE_H

#include <stdbool.h>

#include "shim/mount_options.h"

/* Fork.  Returns 0 in the child (the daemon).  In the parent it does not
 * return: it exits 0 once the child is serving, or with the child's status
 * (or 1) if it fails.  -1 (message printed) if fork fails.  `log_path`:
 * where the daemon's messages go once it serves (NULL: syslog); it is
 * opened now, so a bad path fails the mount. */
int daemon_start(const char *log_path);

/* Before serving, in the daemon or in the foreground: if there is
 * anything to do once the mount at `mountpoint` serves, start a thread
 * that waits until it answers (a stat through FUSE), then applies the
 * superblock flags of `v` (which need a served mount, mount_options.h) —
 * failing that, it ends the session — and, for a daemon, says where it
 * runs, moves stdout/stderr to the log and tells the parent.  0 or -1
 * (message printed). */
int when_serving_start(const char *mountpoint, const char *source, const struct vfs_flags *v,
                       bool daemon);

#endif
