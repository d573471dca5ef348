/* handle.h — file handles (name_to_handle_at / open_by_handle_at) and the
 * per-mount fds that open_by_handle_at needs. */
#ifndef FUSETRACE_SHIM_HANDLE_H
#define FUSETRACE_SHIM_HANDLE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct mount_fds;

struct mount_fds *mount_fds_new(void);
void mount_fds_free(struct mount_fds *m);

/* Take the handle of `fd` (an O_PATH fd).  Returns 0 and a malloc'ed handle,
 * or -errno: -EOPNOTSUPP / -EOVERFLOW mean "this fs has no (small enough)
 * handles", the only errors the prefer policy falls back on. */
int handle_take(int fd, struct file_handle **out);

/* Make sure open_by_handle_at works on mount mnt_id.  `fd` is an O_PATH fd
 * of an object on that mount, `type` its S_IFMT and `h` its handle.  A mount
 * fd must be a real open file (open_by_handle_at uses fdget, which rejects
 * O_PATH), so a directory or regular file is reopened O_RDONLY; other types
 * cannot serve and give -EOPNOTSUPP.  The first time a mount is seen, `h` is
 * opened back once: some filesystems (FUSE without export support) encode
 * handles they cannot decode, and such a mount is remembered as handle-less
 * with the errno it gave, so its inodes fall back to pinned fds instead of
 * going stale later.  Only an answer that is about the mount
 * (handle_err_permanent) is remembered; a resource error (EMFILE, ENOMEM,
 * EINTR...) is returned and the next registration tries again.  Returns 0,
 * -errno with handle_err_permanent(errno) meaning "no handles here", or
 * another -errno for "could not find out now". */
int mount_fd_register(struct mount_fds *m, uint64_t mnt_id, int fd, mode_t type,
                      const struct file_handle *h);

/* Whether an errno from taking or opening a handle is a fact about the
 * filesystem (the same answer every time) rather than about this moment. */
bool handle_err_permanent(int err);

/* open_by_handle_at via the mount fd of mnt_id.  Returns fd or -errno. */
int handle_open(struct mount_fds *m, uint64_t mnt_id, const struct file_handle *h, int flags);

/* Startup probe: can this process take and open a handle of `source_fd`?
 * Needs CAP_DAC_READ_SEARCH.  0 = yes, else -errno. */
int handles_probe(struct mount_fds *m, int source_fd, uint64_t mnt_id);

/* Whether handles work on mnt_id: 1 yes, 0 unknown, -errno no. */
int mount_handles_state(struct mount_fds *m, uint64_t mnt_id);

#endif
