/* cred_switch.h — take another user's filesystem identity on this thread
 * and give it back.
 *
 * Raw per-thread syscalls: setfsuid/setfsgid/setgroups through syscall(2),
 * because glibc's setgroups() (and setuid() and friends) broadcast the
 * change to every thread of the process.  No libfuse, no recorder: the
 * shim's per-request scope (creds.h) and `fusetrace replay` both use it.
 * Taking an identity needs CAP_SETUID and CAP_SETGID.
 */
#ifndef FUSETRACE_SHIM_CRED_SWITCH_H
#define FUSETRACE_SHIM_CRED_SWITCH_H

#include <sys/types.h>

/* This thread's supplementary groups := groups[0..n).  0, or -1 with
 * errno set. */
int cred_set_groups(const gid_t *groups, int n);

/* This thread's fsgid := gid, then fsuid := uid, each read back (setfsuid
 * and setfsgid report the previous id and never fail loudly).  0 or
 * -EPERM. */
int cred_set_fsids(uid_t uid, gid_t gid);

/* This thread's umask := mask; the previous one in *old.  The umask lives
 * in the fs_struct, which all threads of a process share: the first call
 * on a thread unshares it (unshare(CLONE_FS); the thread's cwd and root
 * become its own too, which nothing here relies on).  0, or -errno (the
 * umask is then unchanged). */
int cred_set_umask(mode_t mask, mode_t *old);

/* Back to the process's own identity: fsuid and fsgid from the effective
 * ids (uid first, so the capabilities return), then the supplementary
 * groups `groups[0..n)` saved before switching. */
void cred_restore(const gid_t *groups, int n);

#endif
