/* ops_dir.c — directories: opendir, readdir, readdirplus, releasedir,
 * fsyncdir.
 *
 * readdirplus is where lookup counts most easily go wrong (the kernel
 * counts one lookup for every entry it instantiates from the reply):
 * every non-dot entry placed in the reply is a lookup (+1); "." and ".." are
 * sent with ino 0 and the kernel neither links nor counts them; an entry
 * looked up that then does not fit is given back at once (and kept pending
 * for the next call); if the reply itself fails, every entry in it is given
 * back.  Entries that vanish between readdir and lookup are skipped; an
 * entry whose lookup fails otherwise is sent like the dots (ino 0, no
 * reference).  A readdir error after some entries were placed returns what
 * was placed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/backing.h"
#include "shim/creds.h"
#include "shim/op_common.h"
#include "shim/ops.h"
#include "shim/reply.h"

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct fs *fs = fs_of(req);
    int fd;
    struct inode *node = op_inode(req, ino, &fd);
    if (!node)
        return;
    struct creds_scope cs;
    int r = creds_enter(req, &cs);
    if (r == 0) {
        r = reopen_fd(fd, O_RDONLY | O_DIRECTORY);
        creds_leave(&cs);
    }
    op_inode_done(req, node);
    if (r < 0) {
        reply_err(req, -r);
        return;
    }
    int dfd = r;
    struct fh_entry *e = fht_add(fs->fht);
    DIR *dp = e ? fdopendir(dfd) : NULL;
    if (!dp) {
        int err = errno;
        close(dfd);
        if (e)
            fh_entry_free(fht_remove(fs->fht, e->fh));
        reply_err(req, err);
        return;
    }
    e->fd = dfd;
    e->dp = dp;
    e->nodeid = ino;
    e->flags = O_RDONLY | O_DIRECTORY;
    if (rec_enabled()) {
        struct rec_fh_event ev = { .kind = REC_FH_OPENDIR, .fh = e->fh, .nodeid = ino,
                                   .flags = e->flags, .fd = dfd, .size = -1 };
        rec_fh(&ev);
    }
    fi->fh = e->fh;
    fi->cache_readdir = fs->cfg.cache == CACHE_ALWAYS;
    fi->keep_cache = fs->cfg.cache == CACHE_ALWAYS;
    reply_opendir(req, fi);
}

static bool is_dot(const char *n) { return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])); }

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi, bool plus)
{
    struct fs *fs = fs_of(req);
    struct fh_entry *d = op_fh(req, fi->fh);
    if (!d)
        return;
    char *buf = malloc(size);
    /* Worst case one entry per 24 bytes (the smallest dirent record). */
    uint64_t *refs = plus ? malloc((size / 24 + 1) * sizeof(*refs)) : NULL;
    if (!buf || (plus && !refs)) {
        free(buf);
        free(refs);
        reply_err(req, ENOMEM);
        return;
    }
    size_t pos = 0, nrefs = 0;
    int err = 0;

    pthread_mutex_lock(&d->dir_lock);
    if (off != d->dir_offset) {
        seekdir(d->dp, off);
        d->dir_offset = off;
        d->dir_pending = NULL;
    }
    for (;;) {
        struct dirent *de = d->dir_pending;
        if (!de) {
            errno = 0;
            de = (struct dirent *)BACKING("readdir", dirfd(d->dp), d->dir_offset, NULL,
                                          (long)readdir(d->dp));
            if (!de) {
                err = errno;
                break;
            }
            d->dir_pending = de;
        }
        size_t room = size - pos;
        size_t used;
        if (!plus) {
            struct stat st = { .st_ino = de->d_ino, .st_mode = (mode_t)de->d_type << 12 };
            used = fuse_add_direntry(req, buf + pos, room, de->d_name, &st, de->d_off);
            if (used > room)
                break;
        } else {
            struct fuse_entry_param e = { .attr = { .st_ino = de->d_ino,
                                                    .st_mode = (mode_t)de->d_type << 12 } };
            /* Looked up as the caller, as LOOKUP does: without
             * default_permissions the kernel checks no search permission on
             * a path walk, so an entry found as the daemon would give the
             * caller a name it may not reach. */
            int r = is_dot(de->d_name) ? -EINVAL
                                       : entry_lookup(fs, req, dirfd(d->dp), ino, de->d_name, 0,
                                                      REC_CAUSE_READDIRPLUS, &e);
            if (r == -ENOENT) {
                /* removed since readdir saw it: it is simply no longer listed */
                d->dir_pending = NULL;
                d->dir_offset = de->d_off;
                continue;
            }
            /* The dots, and a name whose lookup failed (no handle under
             * --handles=mandatory, out of fds...), go out with nodeid 0:
             * the kernel lists the name but makes no dentry and counts no
             * lookup (fuse_direntplus_link), so the listing is whole, as
             * natively, and the LOOKUP that follows gives the error. */
            used = fuse_add_direntry_plus(req, buf + pos, room, de->d_name, &e, de->d_off);
            if (used > room) {
                if (r == 0)
                    itab_unref(fs->itab, e.ino, 1, REC_CAUSE_READDIRPLUS_OVERFLOW);
                break;
            }
            if (r == 0)
                refs[nrefs++] = e.ino;
        }
        pos += used;
        d->dir_pending = NULL;
        d->dir_offset = de->d_off;
    }
    pthread_mutex_unlock(&d->dir_lock);

    if (err && pos == 0) {
        reply_err(req, err);
    } else if (!reply_buf(req, buf, pos)) {
        /* The kernel never saw these entries: give their lookups back. */
        for (size_t i = 0; i < nrefs; i++)
            itab_unref(fs->itab, refs[i], 1, REC_CAUSE_REPLY_FAILED);
    }
    free(buf);
    free(refs);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    do_readdir(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    do_readdir(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    fh_release_record(fs_of(req), fi->fh, true);
    reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    (void)ino;
    struct fh_entry *d = op_fh(req, fi->fh);
    if (!d)
        return;
    int fd = dirfd(d->dp);
    long r = datasync ? BACKING("fdatasync", fd, 0, NULL, fdatasync(fd))
                      : BACKING("fsync", fd, 0, NULL, fsync(fd));
    reply_err(req, r < 0 ? errno : 0);
}
