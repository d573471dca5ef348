/* unmount_guard.h — make sure our mount goes away if we die.
 *
 * libfuse's auto_unmount does this through fusermount3, but fusermount3
 * forces nodev,nosuid even for root, and a root passthrough should let the
 * source's device nodes work as they do in the source.  So as root we mount
 * directly and keep a tiny guard process of our own: it holds the read end
 * of a pipe whose write end only we hold, and when that pipe reports EOF —
 * we exited, however we died — it lazily unmounts our mount, and only ours:
 * by the time it runs, the path may hold the next user's mount (see
 * mount_identity.h for how ours is told apart).  As root it unmounts
 * through an fd on the very mount it checked; as a user with
 * `fusermount3 -u -z`.  Users get the guard too: fusermount3's
 * own auto_unmount was seen to leave a dead mount after kill -9.
 */
#ifndef FUSETRACE_SHIM_UNMOUNT_GUARD_H
#define FUSETRACE_SHIM_UNMOUNT_GUARD_H

#include <stdbool.h>

/* Start the guard for the fuse mount at `mountpoint` (just mounted by us).
 * `keep_stderr`: the guard keeps our stderr for fusermount3's messages
 * (else it gets /dev/null).  0 on success, -1 (message printed) on failure. */
int unmount_guard_start(const char *mountpoint, bool keep_stderr);

#endif
