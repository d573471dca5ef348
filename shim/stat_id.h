/* stat_id.h — an inode's attributes and its identity (st_dev, st_ino and
 * the mount id, which tells apart two mounts of one file system) in one
 * statx call. */
#ifndef FUSETRACE_SHIM_STAT_ID_H
#define FUSETRACE_SHIM_STAT_ID_H

#include <stdint.h>
#include <sys/stat.h>

/* statx of an fd (AT_EMPTY_PATH, no follow) returning st and the mount id
 * (0 when the kernel does not report one).  0 or -errno. */
int stat_with_mnt_id(int fd, struct stat *st, uint64_t *mnt_id);
/* The same with extra statx flags (AT_STATX_DONT_SYNC). */
int stat_with_mnt_id_flags(int fd, int flags, struct stat *st, uint64_t *mnt_id);

#endif
