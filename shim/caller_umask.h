/* caller_umask.h — create files with the caller's umask, applied by the
 * source itself.
 *
 * Natively the umask is applied only when the parent directory has no
 * default ACL; with one, the default ACL decides the new file's
 * permissions and the umask is ignored.  Only the filesystem that holds
 * the ACL can make that choice.  So the daemon negotiates FUSE_DONT_MASK
 * (the VFS never masks on a FUSE superblock, which always has SB_POSIXACL;
 * with DONT_MASK FUSE leaves the mode unmasked too) and receives the
 * caller's umask in the request;
 * the creating syscall runs with that umask as the thread's own, and the
 * source applies it or the default ACL exactly as for a native call.
 *
 * The umask is per fs_struct, shared by all threads of a process: each
 * worker thread first unshares it (cred_set_umask), so setting it affects
 * that thread only.  The daemon uses no relative paths and no cwd, which
 * the same unshare makes per-thread as well.
 */
#ifndef FUSETRACE_SHIM_CALLER_UMASK_H
#define FUSETRACE_SHIM_CALLER_UMASK_H

#include <stdbool.h>
#include <sys/types.h>

#include "shim/fs.h"

struct umask_scope {
    bool set;
    mode_t old;     /* the thread's umask before (the daemon's: 0) */
};

/* Take the caller's umask for this thread if the kernel sends modes
 * unmasked (fs->dont_mask_on); a no-op otherwise.  0 or -errno. */
int caller_umask_enter(fuse_req_t req, struct umask_scope *us);
void caller_umask_leave(struct umask_scope *us);

#endif
