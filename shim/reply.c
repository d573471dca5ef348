/* reply.c — reply wrappers that check, undo and record; see reply.h. */
#include "shim/reply.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

#include "shim/backing.h"
#include "shim/fh_table.h"
#include "shim/inode_table.h"
#include "shim/wire_tap.h"

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
            .flags = e->flags, .fd = e->fd, .created = e->created, .io_mode = e->io_mode,
            .size = fh_size_for_record(e),
        };
        rec_fh(&ev);
    }
    /* An open whose reply failed gives its I/O mode back (directories
     * have none). */
    itab_io_release(fs->itab, e->nodeid, (enum io_mode)e->io_mode, IO_WHY_REPLY_FAILED);
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

/* A passthrough open: the wire tap puts FOPEN_PASSTHROUGH and the backing
 * id into the reply libfuse writes (libfuse 3.14 has no field for them). */
static void expect_passthrough(const struct fuse_file_info *fi, int32_t backing_id)
{
    if (backing_id)
        wire_tap_passthrough_next(fi->fh, backing_id);
}

/* After the reply: a passthrough open the tap could not mark reached the
 * kernel as a plain open, which the kernel refuses (EIO) for a passthrough
 * inode and then releases; the counts stay right, the user saw an error. */
static void check_passthrough(int32_t backing_id, int r)
{
    if (wire_tap_passthrough_done() || !backing_id || r != 0)
        return;
    static atomic_bool said;
    if (!atomic_exchange(&said, true))
        fprintf(stderr, "fusetrace: internal error: an OPEN reply could not be made passthrough\n");
}

void reply_create(fuse_req_t req, const struct fuse_entry_param *e, const struct fuse_file_info *fi,
                  int32_t backing_id)
{
    struct fs *fs = fs_of(req);
    expect_passthrough(fi, backing_id);
    int r = fuse_reply_create(req, e, fi);
    check_passthrough(backing_id, r);
    if (failed("fuse_reply_create", r)) {
        /* The open first: giving its I/O mode back finds the inode by
         * nodeid, which the lookup's release may have just freed (then the
         * mode stayed counted and a passthrough backing file registered). */
        fh_release_record(fs, fi->fh, false);
        itab_unref(fs->itab, e->ino, 1, REC_CAUSE_REPLY_FAILED);
    }
}

/* fuse_reply_* frees the request whether or not the reply could be
 * written: whatever the undo needs is taken from it before. */
void reply_open(fuse_req_t req, const struct fuse_file_info *fi, int32_t backing_id)
{
    struct fs *fs = fs_of(req);
    expect_passthrough(fi, backing_id);
    int r = fuse_reply_open(req, fi);
    check_passthrough(backing_id, r);
    if (failed("fuse_reply_open", r))
        fh_release_record(fs, fi->fh, false);
}

void reply_opendir(fuse_req_t req, const struct fuse_file_info *fi)
{
    struct fs *fs = fs_of(req);
    if (failed("fuse_reply_open", fuse_reply_open(req, fi)))
        fh_release_record(fs, fi->fh, true);
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
void reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size)
{
    failed("fuse_reply_ioctl", fuse_reply_ioctl(req, result, buf, size));
}
