/* passthrough_fd.c — see passthrough_fd.h. */
#include "shim/passthrough_fd.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "shim/backing.h"
#include "shim/fs.h"
#include "wire/fuse_ext.h"

int32_t passthrough_register(struct fs *fs, int fd)
{
    struct fuse_ext_backing_map map = { .fd = fd };
    int dev = fuse_session_fd(fs->se);
    long r = BACKING("ioctl_backing_open", dev, fd, NULL,
                     ioctl(dev, FUSE_EXT_DEV_IOC_BACKING_OPEN, &map));
    return r < 0 ? -errno : (int32_t)r;
}

int passthrough_unregister(struct fs *fs, int32_t backing_id)
{
    uint32_t id = (uint32_t)backing_id;
    int dev = fuse_session_fd(fs->se);
    long r = BACKING("ioctl_backing_close", dev, backing_id, NULL,
                     ioctl(dev, FUSE_EXT_DEV_IOC_BACKING_CLOSE, &id));
    return r < 0 ? -errno : 0;
}

int passthrough_capable(void)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct d[2] = { 0 };
    if (syscall(SYS_capget, &h, d) != 0)
        return 0;
    return (d[CAP_SYS_ADMIN / 32].effective >> (CAP_SYS_ADMIN % 32)) & 1;
}
