/* reply.h — every fuse_reply_* the shim sends goes through here.
 *
 * fuse_reply_* fails (-ENOENT) when the request was interrupted or the
 * connection aborted.  The kernel then never learns of what we did, so what
 * we did must be undone: an entry reply's lookup is given back, a created fh
 * is closed.  The wrappers do that, and record the failure.
 */
#ifndef FUSETRACE_SHIM_REPLY_H
#define FUSETRACE_SHIM_REPLY_H

#include "shim/fs.h"

void reply_err(fuse_req_t req, int err);           /* err = positive errno, 0 = success */
void reply_none(fuse_req_t req);
void reply_entry(fuse_req_t req, const struct fuse_entry_param *e);
/* backing_id != 0: a passthrough open (the wire tap marks the reply). */
void reply_create(fuse_req_t req, const struct fuse_entry_param *e, const struct fuse_file_info *fi,
                  int32_t backing_id);
void reply_open(fuse_req_t req, const struct fuse_file_info *fi, int32_t backing_id);
void reply_opendir(fuse_req_t req, const struct fuse_file_info *fi);
void reply_attr(fuse_req_t req, const struct stat *st, double timeout);
/* false if the reply could not be delivered (the caller may have to undo) */
bool reply_buf(fuse_req_t req, const char *buf, size_t size);
void reply_data(fuse_req_t req, struct fuse_bufvec *bv, enum fuse_buf_copy_flags flags);
void reply_write(fuse_req_t req, size_t count);
void reply_readlink(fuse_req_t req, const char *target);
void reply_statfs(fuse_req_t req, const struct statvfs *st);
void reply_xattr(fuse_req_t req, size_t size);
void reply_lock(fuse_req_t req, const struct flock *lock);
void reply_lseek(fuse_req_t req, off_t off);
void reply_ioctl(fuse_req_t req, int result, const void *buf, size_t size);

/* Remove an fh from the table, record its RELEASE and close it: on
 * RELEASEDIR, and for an fh whose open/create reply failed (the kernel will
 * never release it). */
void fh_release_record(struct fs *fs, uint64_t fh, bool dir);

#endif
