/* fusectl.h — the FUSE control filesystem, /sys/fs/fuse/connections.
 *
 * One directory per live connection, named by the kernel's device number of
 * the connection's superblock (major << 20 | minor of the mount's st_dev),
 * holding `waiting`, `abort`, `max_background`, `congestion_threshold`.
 * Directory and files belong to the user who mounted.  A connection's
 * number is handed out again as soon as the connection is gone, but its
 * files are new inodes each time (the inode number tells two connections of
 * one number apart).  `waiting` cannot seek and answers a read at offset 0
 * only, once per open; a removed connection's file reads empty.
 */
#ifndef FUSETRACE_SHIM_FUSECTL_H
#define FUSETRACE_SHIM_FUSECTL_H

#include <stddef.h>
#include <sys/types.h>

#define FUSECTL_DIR "/sys/fs/fuse/connections"

/* Open file `name` of the connection of superblock device `dev`, read-only.
 * An fd, or -1 (errno: ENOENT when fusectl is not mounted or the connection
 * is gone). */
int fusectl_open(dev_t dev, const char *name);

/* fusectl is mounted at FUSECTL_DIR, mounting it there if it is not (which
 * needs CAP_SYS_ADMIN).  0, or -1 with why in `why`. */
int fusectl_ensure_mounted(char *why, size_t cap);

#endif
