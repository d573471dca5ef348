/* fuse_ext.h — FUSE protocol facts newer than bookworm's <linux/fuse.h>
 * (protocol 7.38), each with the protocol minor and the Linux release that
 * introduced it.  The one place these numbers are written down; the wire
 * tap, the decoder and the ops use them from here.
 *
 * libfuse 3.14 as packaged here answers INIT with minor 31 (and FUSE_INIT_EXT
 * set whenever the kernel offered it).  The kernel reads flags2 whenever
 * FUSE_INIT_EXT is set, whatever the minor, and none of the features below
 * changes the layout of a request or reply the kernel sends at minor 31:
 * they are flag bits, a field in the former padding of fuse_init_out and
 * fuse_open_out, and opcodes (STATX, TMPFILE) that libfuse never sees
 * because the wire tap answers them.  So the tap adds flag bits and fields
 * and leaves the minor as libfuse answered it.
 */
#ifndef FUSETRACE_WIRE_FUSE_EXT_H
#define FUSETRACE_WIRE_FUSE_EXT_H

#include <linux/ioctl.h>
#include <stdint.h>

/* ---- INIT (fuse_init_in.flags2 / fuse_init_out.flags2 are bits 32..63) --- */

#define FUSE_EXT_INIT_EXT               (1u << 30)     /* 7.36, Linux 5.17: flags2 present */
#define FUSE_EXT_DIRECT_IO_ALLOW_MMAP   (1ull << 36)   /* 7.39, Linux 6.6 */
#define FUSE_EXT_PASSTHROUGH            (1ull << 37)   /* 7.40, Linux 6.9 */

/* fuse_init_out (64 bytes since 7.23): flags2 at 32 (7.36), max_stack_depth
 * at 36 (7.40, Linux 6.9; it was unused[0]).  The kernel takes passthrough
 * only with 1 <= max_stack_depth <= FILESYSTEM_MAX_STACK_DEPTH (2) and
 * without FUSE_WRITEBACK_CACHE. */
#define FUSE_EXT_INIT_OUT_SIZE          64
#define FUSE_EXT_INIT_OUT_FLAGS_OFF     12
#define FUSE_EXT_INIT_OUT_FLAGS2_OFF    32
#define FUSE_EXT_INIT_OUT_STACK_OFF     36
#define FUSE_EXT_MAX_STACK_DEPTH        2
/* fuse_init_in (since 7.36): flags at 12, flags2 at 16. */
#define FUSE_EXT_INIT_IN_FLAGS_OFF      12
#define FUSE_EXT_INIT_IN_FLAGS2_OFF     16
#define FUSE_EXT_INIT_IN_MIN            20

/* ---- OPEN / CREATE ------------------------------------------------------ */

#define FUSE_EXT_FOPEN_PASSTHROUGH      (1u << 7)      /* 7.40, Linux 6.9 */
/* fuse_open_out: fh u64 at 0, open_flags u32 at 8, backing_id s32 at 12
 * (7.40, Linux 6.9; it was padding). */
#define FUSE_EXT_OPEN_OUT_SIZE          16
#define FUSE_EXT_OPEN_OUT_FLAGS_OFF     8
#define FUSE_EXT_OPEN_OUT_BACKING_OFF   12

/* ---- /dev/fuse ioctls (7.40, Linux 6.9); need CAP_SYS_ADMIN ------------- */

struct fuse_ext_backing_map {
    int32_t fd;
    uint32_t flags;            /* must be 0 */
    uint64_t padding;          /* must be 0 */
};
#define FUSE_EXT_DEV_IOC_MAGIC          229
#define FUSE_EXT_DEV_IOC_BACKING_OPEN   _IOW(FUSE_EXT_DEV_IOC_MAGIC, 1, struct fuse_ext_backing_map)
#define FUSE_EXT_DEV_IOC_BACKING_CLOSE  _IOW(FUSE_EXT_DEV_IOC_MAGIC, 2, uint32_t)

/* ---- STATX (opcode 52; 7.39, Linux 6.6) --------------------------------- */

#define FUSE_EXT_OP_STATX               52

struct fuse_ext_statx_in {
    uint32_t getattr_flags;    /* FUSE_GETATTR_FH: fh is valid */
    uint32_t reserved;
    uint64_t fh;
    uint32_t sx_flags;         /* AT_STATX_* sync flags */
    uint32_t sx_mask;          /* STATX_* fields asked for */
};

struct fuse_ext_sx_time {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};

struct fuse_ext_statx {
    uint32_t mask;
    uint32_t blksize;
    uint64_t attributes;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint16_t mode;
    uint16_t spare0[1];
    uint64_t ino;
    uint64_t size;
    uint64_t blocks;
    uint64_t attributes_mask;
    struct fuse_ext_sx_time atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor;
    uint32_t dev_major, dev_minor;
    uint64_t spare2[14];
};

struct fuse_ext_statx_out {
    uint64_t attr_valid;       /* seconds */
    uint32_t attr_valid_nsec;
    uint32_t flags;
    uint64_t spare[2];
    struct fuse_ext_statx stat;
};

/* ---- TMPFILE (opcode 51; 7.37, Linux 6.1): in bookworm's header already;
 * the request is fuse_create_in + the name "/", the reply an entry and an
 * open, exactly as CREATE. */

#endif
