/* op_common.h — the few steps every op shares: borrow the inode (and its
 * fd) of a nodeid, find an open handle, and turn a found object into a FUSE
 * entry with its lookup reference. */
#ifndef FUSETRACE_SHIM_OP_COMMON_H
#define FUSETRACE_SHIM_OP_COMMON_H

#include "shim/fh_table.h"
#include "shim/fs.h"
#include "shim/inode_table.h"
#include "trace/recorder.h"

/* Borrow the inode of `nodeid` and an O_PATH fd for it.  On failure the
 * error (ESTALE for an unknown nodeid) has been replied and NULL returned. */
struct inode *op_inode(fuse_req_t req, fuse_ino_t nodeid, int *fd);
void op_inode_done(fuse_req_t req, struct inode *ino);

/* The open handle `fh`; replies EBADF and returns NULL if there is none. */
struct fh_entry *op_fh(fuse_req_t req, uint64_t fh);

/* A name the kernel may legitimately send for a child (not "", ".", "..",
 * no '/'); anything else would let a request step outside the source. */
bool name_is_child(const char *name);

/* Make `e` the entry for the O_PATH fd `fd` (always consumed), found or just
 * created as `name` in `parent`, taking one lookup reference.  0 or -errno. */
int entry_from_fd(struct fs *fs, int fd, uint64_t parent, const char *name,
                  enum rec_cause cause, struct fuse_entry_param *e);

/* openat(parent_fd, name, O_PATH|O_NOFOLLOW) then entry_from_fd.  The
 * openat runs as the caller of `as` (creds.h), as a LOOKUP's does, or as
 * the daemon if `as` is NULL.  `type` (S_IFMT bits, 0 = any) is what the
 * name must be, else -ESTALE and no reference is taken. */
int entry_lookup(struct fs *fs, fuse_req_t as, int parent_fd, uint64_t parent, const char *name,
                 mode_t type, enum rec_cause cause, struct fuse_entry_param *e);

/* Say once on stderr that the daemon ran out of fds (EMFILE/ENFILE); errno
 * is left as it was. */
void note_fd_exhaustion(int err);

/* -ELOOP if `fd` (found through the source) is on this very mount — the
 * source reaches the mountpoint through a bind mount or mount propagation
 * made after the mount — else 0.  Asks the kernel without a request (no
 * attributes wanted, none synced): serving such an object would make a
 * worker wait for a request of its own mount, and enough of them at once
 * would wait for each other for good. */
int refuse_own_mount(const struct fs *fs, int fd);
/* The attributes of an object just found through the source (fd, O_PATH),
 * or -ELOOP for one on this mount itself (refuse_own_mount), in one statx
 * where the source's filesystem allows (op_common.c).  0 or -errno. */
int stat_found(const struct fs *fs, int fd, struct stat *st, uint64_t *mnt_id);

/* fstat of any fd (O_PATH too), recorded.  0 or -errno. */
int stat_fd(int fd, struct stat *st);

/* Reopen an O_PATH fd for I/O via /proc/self/fd (see fs.h).  fd or -errno. */
int reopen_fd(int opath_fd, int flags);

#endif
