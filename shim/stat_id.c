/* stat_id.c — an inode's attributes and identity in one statx. */
#include "shim/stat_id.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "shim/backing.h"

int stat_with_mnt_id(int fd, struct stat *st, uint64_t *mnt_id)
{
    return stat_with_mnt_id_flags(fd, 0, st, mnt_id);
}

int stat_with_mnt_id_flags(int fd, int flags, struct stat *st, uint64_t *mnt_id)
{
    struct statx sx;
    if (BACKING("statx", fd, STATX_BASIC_STATS | STATX_MNT_ID, NULL,
                statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | flags,
                      STATX_BASIC_STATS | STATX_MNT_ID, &sx)) < 0)
        return -errno;
    memset(st, 0, sizeof(*st));
    st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    st->st_ino = sx.stx_ino;
    st->st_mode = sx.stx_mode;
    st->st_nlink = sx.stx_nlink;
    st->st_uid = sx.stx_uid;
    st->st_gid = sx.stx_gid;
    st->st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
    st->st_size = (off_t)sx.stx_size;
    st->st_blksize = sx.stx_blksize;
    st->st_blocks = (blkcnt_t)sx.stx_blocks;
    st->st_atim.tv_sec = sx.stx_atime.tv_sec;
    st->st_atim.tv_nsec = sx.stx_atime.tv_nsec;
    st->st_mtim.tv_sec = sx.stx_mtime.tv_sec;
    st->st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
    st->st_ctim.tv_sec = sx.stx_ctime.tv_sec;
    st->st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
    *mnt_id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
    return 0;
}
