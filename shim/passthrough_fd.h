/* passthrough_fd.h — register a source file with the kernel so that a
 * passthrough open reads and writes it directly (FUSE_DEV_IOC_BACKING_OPEN
 * and _CLOSE on the session's /dev/fuse fd; Linux 6.9+, CAP_SYS_ADMIN).
 *
 * The kernel keeps its own reference to the registered file: the fd may be
 * closed at once.  Each passthrough open gets its own kernel file opened on
 * the registered file's path with the open's flags and the credentials the
 * daemon had at registration, so registration runs as the daemon (never
 * inside a caller's credential scope).  Both calls are recorded as backing
 * calls ("ioctl_backing_open", "ioctl_backing_close").
 */
#ifndef FUSETRACE_SHIM_PASSTHROUGH_FD_H
#define FUSETRACE_SHIM_PASSTHROUGH_FD_H

#include <stdint.h>

struct fs;

/* The backing id (> 0) for `fd`, or -errno. */
int32_t passthrough_register(struct fs *fs, int fd);
/* 0 or -errno. */
int passthrough_unregister(struct fs *fs, int32_t backing_id);

/* True when this process may register backing files (CAP_SYS_ADMIN in its
 * effective set). */
int passthrough_capable(void);

#endif
