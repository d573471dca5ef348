/* reply.c — reply wrappers that check, undo and record; see reply.h. */
#include "shim/reply.h"

#include <errno.h>

#include "shim/backing.h"
#include "shim/fh_table.h"
#include "shim/inode_table.h"

static bool failed(const char *what, int r)
{
    if (r == 0)
        return false;
    if (rec_enabled()) {
        uint64_t now = rec_now_ns();
        struct rec_backing_event e = {
            .call = what, .fd = -1, .result = r, .err = -r, .start_ns = now, .end_ns = now,
        };
        rec_backing(&e);
    }
    return true;
}

void fh_release_record(struct fs *fs, uint64_t fh, bool dir)
{
    struct fh_entry *e = fht_remove(fs->fht, fh);
    if (!e)
        return;
    if (rec_enabled()) {
        struct rec_fh_event ev = {
            .kind = dir ? REC_FH_RELEASEDIR : REC_FH_RELEASE, .fh = fh, .nodeid = e->nodeid,
            .flags = e->flags, .fd = e->fd, .created = e->created,
        };
        rec_fh(&ev);
    }
    fh_entry_free(e);
}

void reply_err(fuse_req_t req, int err) { failed("fuse_reply_err", fuse_reply_err(req, err)); }
void reply_none(fuse_req_t req) { fuse_reply_none(req); }

void reply_entry(fuse_req_t req, const struct fuse_entry_param *e)
{
    struct fs *fs = fs_of(req);
    if (failed("fuse_reply_entry", fuse_reply_entry(req, e)) && e->ino)
        itab_unref(fs->itab, e->ino, 1, REC_CAUSE_REPLY_FAILED);
}

void reply_create(fuse_req_t req, const struct fuse_entry_param *e, const struct fuse_file_info *fi)
{
    struct fs *fs = fs_of(req);
    if (failed("fuse_reply_create", fuse_reply_create(req, e, fi))) {
        itab_unref(fs->itab, e->ino, 1, REC_CAUSE_REPLY_FAILED);
        fh_release_record(fs, fi->fh, false);
    }
}

void reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
    if (failed("fuse_reply_open", fuse_reply_open(req, fi)))
        fh_release_record(fs_of(req), fi->fh, false);
}

void reply_opendir(fuse_req_t req, const struct fuse_file_info *fi)
{
    if (failed("fuse_reply_open", fuse_reply_open(req, fi)))
        fh_release_record(fs_of(req), fi->fh, true);
}

void reply_attr(fuse_req_t req, const struct stat *st, double timeout)
{
    failed("fuse_reply_attr", fuse_reply_attr(req, st, timeout));
}

bool reply_buf(fuse_req_t req, const char *buf, size_t size)
{
    return !failed("fuse_reply_buf", fuse_reply_buf(req, buf, size));
}

void reply_data(fuse_req_t req, struct fuse_bufvec *bv, enum fuse_buf_copy_flags flags)
{
    failed("fuse_reply_data", fuse_reply_data(req, bv, flags));
}

void reply_write(fuse_req_t req, size_t count) { failed("fuse_reply_write", fuse_reply_write(req, count)); }
void reply_readlink(fuse_req_t req, const char *t) { failed("fuse_reply_readlink", fuse_reply_readlink(req, t)); }
void reply_statfs(fuse_req_t req, const struct statvfs *st) { failed("fuse_reply_statfs", fuse_reply_statfs(req, st)); }
void reply_xattr(fuse_req_t req, size_t size) { failed("fuse_reply_xattr", fuse_reply_xattr(req, size)); }
void reply_lock(fuse_req_t req, const struct flock *l) { failed("fuse_reply_lock", fuse_reply_lock(req, l)); }
void reply_lseek(fuse_req_t req, off_t off) { failed("fuse_reply_lseek", fuse_reply_lseek(req, off)); }
