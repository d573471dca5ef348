/* handle.c — file handles and mount fds.
 *
 * A handle (name_to_handle_at) names an inode *and its generation*, so unlike
 * (dev, ino) it can never silently come to mean a different file after the
 * number is reused.  Opening it back needs CAP_DAC_READ_SEARCH and an fd on
 * the same mount; we keep one such fd per mount id for the table's life.
 */
#include "shim/handle.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/fs.h"

struct mount_fd {
    uint64_t mnt_id;
    int fd;          /* -1: handles do not work on this mount */
    int err;         /* why not (positive errno) */
};

struct mount_fds {
    pthread_mutex_t lock;
    struct mount_fd *v;
    size_t n, cap;
};

struct mount_fds *mount_fds_new(void)
{
    struct mount_fds *m = calloc(1, sizeof(*m));
    if (m)
        pthread_mutex_init(&m->lock, NULL);
    return m;
}

void mount_fds_free(struct mount_fds *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].fd >= 0)
            close(m->v[i].fd);
    free(m->v);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static struct mount_fd *find_locked(struct mount_fds *m, uint64_t mnt_id)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].mnt_id == mnt_id)
            return &m->v[i];
    return NULL;
}

int mount_handles_state(struct mount_fds *m, uint64_t mnt_id)
{
    pthread_mutex_lock(&m->lock);
    struct mount_fd *mf = find_locked(m, mnt_id);
    int r = !mf ? 0 : mf->fd >= 0 ? 1 : -mf->err;
    pthread_mutex_unlock(&m->lock);
    return r;
}

static int add_locked(struct mount_fds *m, uint64_t mnt_id, int fd, int err)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        struct mount_fd *v = realloc(m->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = (struct mount_fd){ .mnt_id = mnt_id, .fd = fd, .err = err };
    return 0;
}

int handle_take(int fd, struct file_handle **out)
{
    /* MAX_HANDLE_SZ is 128; anything larger is EOVERFLOW, i.e. "no handle".
     * Taken on the stack, then copied at its real size (ext4's is 8 bytes):
     * one allocation, none when the call fails. */
    union {
        struct file_handle h;
        unsigned char room[sizeof(struct file_handle) + MAX_HANDLE_SZ];
    } buf;
    buf.h.handle_bytes = MAX_HANDLE_SZ;
    int mount_id;
    if (BACKING("name_to_handle_at", fd, 0, NULL,
                name_to_handle_at(fd, "", &buf.h, &mount_id, AT_EMPTY_PATH)) < 0)
        return -errno;
    size_t size = sizeof(buf.h) + buf.h.handle_bytes;
    struct file_handle *h = malloc(size);
    if (!h)
        return -ENOMEM;
    memcpy(h, &buf, size);
    *out = h;
    return 0;
}

bool handle_err_permanent(int err)
{
    switch (err) {
    case ESTALE:       /* encodes handles it cannot decode (FUSE without export support) */
    case EOPNOTSUPP:   /* no export operations */
    case EOVERFLOW:    /* handle larger than MAX_HANDLE_SZ */
    case EINVAL:       /* handle type the fs does not know */
    case EPERM:        /* no CAP_DAC_READ_SEARCH: true for every handle */
        return true;
    default:
        return false;
    }
}

int mount_fd_register(struct mount_fds *m, uint64_t mnt_id, int fd, mode_t type,
                      const struct file_handle *h)
{
    int state = mount_handles_state(m, mnt_id);
    if (state != 0)
        return state > 0 ? 0 : state;
    if (type != S_IFDIR && type != S_IFREG)
        return -EOPNOTSUPP;   /* decide on this mount when a dir or file shows up */

    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, fd);
    int mfd = (int)BACKING("open", -1, O_RDONLY, path,
                           open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
                                          (type == S_IFDIR ? O_DIRECTORY : 0)));
    if (mfd < 0)
        return -errno;
    int err = 0;
    int probe = (int)BACKING("open_by_handle_at", mfd, O_PATH, NULL,
                             open_by_handle_at(mfd, (struct file_handle *)h, O_PATH | O_CLOEXEC));
    if (probe < 0) {
        err = errno;
        close(mfd);
        /* Out of fds or memory, interrupted: says nothing about the mount.
         * Remembering it would fail its whole subtree for the session. */
        if (!handle_err_permanent(err))
            return -err;
        mfd = -1;
    } else {
        close(probe);
    }

    pthread_mutex_lock(&m->lock);
    struct mount_fd *mf = find_locked(m, mnt_id);
    int r;
    if (mf) {
        r = mf->fd >= 0 ? 0 : -mf->err;   /* registered concurrently: theirs wins */
    } else {
        r = add_locked(m, mnt_id, mfd, err);
        if (r == 0) {
            mfd = -1;
            r = err ? -err : 0;
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (mfd >= 0)
        close(mfd);
    return r;
}

int handle_open(struct mount_fds *m, uint64_t mnt_id, const struct file_handle *h, int flags)
{
    pthread_mutex_lock(&m->lock);
    struct mount_fd *mf = find_locked(m, mnt_id);
    int mfd = mf ? mf->fd : -1;
    pthread_mutex_unlock(&m->lock);
    if (mfd < 0)
        return -ESTALE;
    /* The mount fd lives as long as the table, so using it unlocked is safe. */
    int fd = (int)BACKING("open_by_handle_at", mfd, flags, NULL,
                          open_by_handle_at(mfd, (struct file_handle *)h, flags | O_CLOEXEC));
    return fd < 0 ? -errno : fd;
}

int handles_probe(struct mount_fds *m, int source_fd, uint64_t mnt_id)
{
    struct file_handle *h = NULL;
    int r = handle_take(source_fd, &h);
    if (r < 0)
        return r;
    r = mount_fd_register(m, mnt_id, source_fd, S_IFDIR, h);
    free(h);
    return r;
}
