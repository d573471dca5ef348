/* op_common.c — see op_common.h. */
#include "shim/op_common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/creds.h"
#include "shim/handle.h"
#include "shim/stat_id.h"
#include "shim/reply.h"

struct inode *op_inode(fuse_req_t req, fuse_ino_t nodeid, int *fd)
{
    struct fs *fs = fs_of(req);
    struct inode *ino = itab_get(fs->itab, nodeid);
    if (!ino) {
        reply_err(req, ESTALE);
        return NULL;
    }
    int r = inode_fd(fs->itab, ino);
    if (r < 0) {
        itab_put(fs->itab, ino);
        reply_err(req, -r);
        return NULL;
    }
    *fd = r;
    return ino;
}

void op_inode_done(fuse_req_t req, struct inode *ino)
{
    itab_put(fs_of(req)->itab, ino);
}

struct fh_entry *op_fh(fuse_req_t req, uint64_t fh)
{
    struct fh_entry *e = fht_get(fs_of(req)->fht, fh);
    if (!e)
        reply_err(req, EBADF);
    return e;
}

bool name_is_child(const char *name)
{
    if (!name[0] || strchr(name, '/'))
        return false;
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Record the manifest entry of an object the session just found, with the
 * first snapshot_data bytes of a regular file (read through the entry, so
 * exactly the inode that was found). */
static void manifest_record(struct fs *fs, uint64_t nodeid, uint64_t parent, const char *name,
                            const struct stat *st, const char *link_target)
{
    struct rec_manifest_event m = {
        .nodeid = nodeid, .parent = parent, .name = name, .st = st,
        .link_target = link_target,
    };
    char *data = NULL;
    if (fs->cfg.snapshot_data && S_ISREG(st->st_mode) && st->st_size > 0) {
        size_t want = (size_t)st->st_size < fs->cfg.snapshot_data ? (size_t)st->st_size
                                                                 : fs->cfg.snapshot_data;
        struct inode *ino = itab_get(fs->itab, nodeid);
        int pfd = ino ? inode_fd(fs->itab, ino) : -1;
        int rfd = pfd >= 0 ? reopen_fd(pfd, O_RDONLY | O_NONBLOCK) : -1;
        data = rfd >= 0 ? malloc(want) : NULL;
        if (data) {
            ssize_t n = BACKING("pread", rfd, 0, NULL, pread(rfd, data, want, 0));
            if (n > 0) {
                m.data = data;
                m.data_len = (size_t)n;
            }
        }
        if (rfd >= 0)
            close(rfd);
        if (ino)
            itab_put(fs->itab, ino);
    }
    rec_manifest(&m);
    free(data);
}

/* entry_from_fd, for an object that must be of S_IFMT `type` (0: any):
 * anything else gives -ESTALE before a reference is taken. */
static int entry_make(struct fs *fs, int fd, mode_t type, uint64_t parent, const char *name,
                      enum rec_cause cause, struct fuse_entry_param *e)
{
    struct found f = { .fd = fd };
    int r = stat_found(fs, fd, &f.st, &f.mnt_id);
    if (r < 0)
        goto fail;
    if (type && (f.st.st_mode & S_IFMT) != type) {
        r = -ESTALE;
        goto fail;
    }

    if (fs->cfg.handles != HANDLES_NEVER) {
        /* prefer: only "this fs has no handles" (EOPNOTSUPP, EOVERFLOW from
         * name_to_handle_at, or a mount whose handles do not open back, see
         * mount_fd_register) falls back to pinning an fd, recorded with the
         * errno; any other error is the lookup's error.  mandatory: no
         * handle, no inode. */
        int fallback = 0;
        r = handle_take(fd, &f.handle);
        if (r == -EOPNOTSUPP || r == -EOVERFLOW) {
            fallback = -r;
        } else if (r < 0) {
            goto fail;
        } else {
            r = mount_fd_register(fs->mfds, f.mnt_id, fd, f.st.st_mode & S_IFMT, f.handle);
            if (r < 0 && !handle_err_permanent(-r)) {
                note_fd_exhaustion(-r);
                free(f.handle);
                goto fail;
            }
            if (r < 0) {
                free(f.handle);
                f.handle = NULL;
                fallback = -r;
            }
        }
        if (fallback) {
            if (fs->cfg.handles == HANDLES_MANDATORY) {
                r = -fallback;
                goto fail;
            }
            f.handle_err = fallback;
        }
    }
    memcpy(&e->attr, &f.st, sizeof(f.st));
    /* The manifest (what replay needs to rebuild the initial tree) wants a
     * symlink's target; the fd is consumed by itab_ref_found, so read it
     * now.  Only objects the session finds (not ones it makes) go there. */
    bool found_cause = cause == REC_CAUSE_LOOKUP || cause == REC_CAUSE_READDIRPLUS;
    char target[PATH_MAX];
    ssize_t target_len = -1;
    if (rec_enabled() && found_cause && S_ISLNK(f.st.st_mode))
        target_len = BACKING("readlinkat", fd, 0, NULL,
                             readlinkat(fd, "", target, sizeof(target) - 1));
    bool is_new = false;
    e->ino = itab_ref_found(fs->itab, &f, cause, parent, name, &is_new);
    if (!e->ino)
        return -ENOMEM;
    if (rec_enabled() && is_new && found_cause) {
        if (target_len >= 0)
            target[target_len] = '\0';
        manifest_record(fs, e->ino, parent, name, &e->attr, target_len >= 0 ? target : NULL);
    }
    e->generation = 0;   /* nodeids are never reused, so generations are not needed */
    e->attr_timeout = fs->attr_timeout;
    e->entry_timeout = fs->entry_timeout;
    return 0;
fail:
    close(fd);
    return r;
}

int entry_from_fd(struct fs *fs, int fd, uint64_t parent, const char *name,
                  enum rec_cause cause, struct fuse_entry_param *e)
{
    return entry_make(fs, fd, 0, parent, name, cause, e);
}

void note_fd_exhaustion(int err)
{
    static atomic_bool said;
    if ((err == EMFILE || err == ENFILE) && !atomic_exchange(&said, true)) {
        /* Callers reply with errno after this: a failed write of the
         * message (stderr full or a closed pipe) must not replace it. */
        int saved = errno;
        fprintf(stderr,
                "fusetrace: out of file descriptors (%s): requests that need one fail until "
                "the kernel forgets inodes; raise `ulimit -n`, or use --handles=prefer so "
                "inodes do not pin fds\n",
                strerror(err));
        errno = saved;
    }
}

int refuse_own_mount(const struct fs *fs, int fd)
{
    dev_t own = fs->mount_id.dev;
    if (!own)
        return 0;
    /* No field asked for and AT_STATX_DONT_SYNC: FUSE answers from the
     * inode it has (fuse_getattr fills st_dev even for "nothing"), and
     * every other filesystem as cheaply. */
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, 0, &sx) < 0 ||
        makedev(sx.stx_dev_major, sx.stx_dev_minor) != own)
        return 0;
    static atomic_bool said;
    if (!atomic_exchange(&said, true)) {
        int saved = errno;
        fprintf(stderr,
                "fusetrace: the source reaches this mount itself (a bind mount of the "
                "mountpoint, or mount propagation, inside the source): such names are "
                "refused with ELOOP, since serving them would wait for this mount\n");
        errno = saved;
    }
    BACKING("own_mount", fd, 0, NULL, (errno = ELOOP, -1L));
    return -ELOOP;
}

int stat_found(const struct fs *fs, int fd, struct stat *st, uint64_t *mnt_id)
{
    /* One statx answers both questions where it can: AT_STATX_DONT_SYNC
     * sends our own FUSE mount no request (fuse_getattr answers from the
     * inode it has), so the device tells an object of this mount without
     * waiting for it; and a filesystem that keeps no attribute cache
     * ignores the flag, so on the source's own (local) filesystem that
     * answer is current.  A second statx fetches the
     * attributes of an object on another filesystem, or on a source whose
     * attributes may be cached (network, FUSE).  One statx per object, as
     * before the check, keeps the window between making a name and
     * looking it up as short as it was (inode-made_race). */
    int r = stat_with_mnt_id_flags(fd, AT_STATX_DONT_SYNC, st, mnt_id);
    if (r < 0)
        return r;
    if (fs->mount_id.dev && st->st_dev == fs->mount_id.dev)
        return refuse_own_mount(fs, fd);
    if (st->st_dev == fs->source_dev && !fs->source_syncs_attrs)
        return 0;
    return stat_with_mnt_id(fd, st, mnt_id);
}

/* openat(parent_fd, name, O_PATH|O_NOFOLLOW) as the caller of `as` (NULL:
 * as the daemon).  fd or -errno. */
static int open_child(fuse_req_t as, int parent_fd, const char *name)
{
    if (as)
        return (int)AS_CALLER(as, "openat", parent_fd, O_PATH | O_NOFOLLOW, name,
                              openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    int fd = (int)BACKING("openat", parent_fd, O_PATH | O_NOFOLLOW, name,
                          openat(parent_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    return fd < 0 ? -errno : fd;
}

int entry_lookup(struct fs *fs, fuse_req_t as, int parent_fd, uint64_t parent, const char *name,
                 mode_t type, enum rec_cause cause, struct fuse_entry_param *e)
{
    int fd = open_child(as, parent_fd, name);
    if ((fd == -EMFILE || fd == -ENFILE) && itab_shed_fds(fs->itab) > 0)
        fd = open_child(as, parent_fd, name);
    if (fd < 0) {
        note_fd_exhaustion(-fd);
        return fd;
    }
    return entry_make(fs, fd, type, parent, name, cause, e);
}

int stat_fd(int fd, struct stat *st)
{
    int r = (int)BACKING("fstatat", fd, AT_EMPTY_PATH, NULL,
                         fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
    return r < 0 ? -errno : 0;
}

int reopen_fd(int opath_fd, int flags)
{
    char path[PROC_FD_PATH_MAX];
    proc_fd_path(path, opath_fd);
    /* O_NOFOLLOW would make the magic link itself fail with ELOOP; the link
     * lands on the inode without further resolution, so dropping it is safe. */
    int fd = (int)BACKING("open", opath_fd, flags, NULL,
                          open(path, (flags & ~O_NOFOLLOW) | O_CLOEXEC));
    if (fd < 0)
        note_fd_exhaustion(errno);
    return fd < 0 ? -errno : fd;
}
