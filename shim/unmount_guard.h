/* unmount_guard.h — make sure our mount goes away if we die.
 *
 * libfuse's auto_unmount does this through fusermount3, but fusermount3
 * forces nodev,nosuid even for root, and a root passthrough should let the
 * source's device nodes work as they do in the source.  So as root we mount
 * directly and keep a tiny guard process of our own: it holds the read end
 * of a pipe whose write end only we hold, and when that pipe reports EOF —
 * we exited, however we died — it lazily unmounts our mount, identified by
 * its mount id so it never touches anything else (as root with umount2, as
 * a user with `fusermount3 -u -z`).  Users get the guard too: fusermount3's
 * own auto_unmount was seen to leave a dead mount after kill -9.
 */
#ifndef FUSETRACE_SHIM_UNMOUNT_GUARD_H
#define FUSETRACE_SHIM_UNMOUNT_GUARD_H

/* Start the guard for the fuse mount at `mountpoint` (just mounted by us).
 * 0 on success, -1 (message printed) on failure. */
int unmount_guard_start(const char *mountpoint);

#endif
