/* wire_decode.c — bounds-checked decoding of FUSE requests and replies.
 *
 * Every structure is copied out with wd_take(), which zero-fills whatever
 * the buffer does not contain and reports whether the minimum size was
 * there; a short argument block therefore yields zeros plus `malformed`,
 * never an out-of-bounds read.  Each opcode has one small decoder (rq_*
 * for requests, rp_* for replies, nt_* for notifications), found through
 * a table by opcode, that names the kernel's struct and where each of its
 * fields goes.  Lengths from the message (header len,
 * namelen, counts) only ever *shrink* the region we look at.
 */
#include "wire/wire_decode.h"
#include "wire/fuse_ext.h"

#include <linux/fuse.h>
#include <stddef.h>
#include <string.h>

/* fuse_statx_in / fuse_statx_out (protocol 7.39) are newer than bookworm's
 * header; the offsets below are the kernel's. */
#define STATX_IN_SIZE        24
#define STATX_OUT_MIN        80   /* up to and including statx.size */

/* A cursor over the argument bytes of one message. */
struct cur {
    const uint8_t *p;
    const uint8_t *end;
};

static size_t cur_left(const struct cur *c) { return (size_t)(c->end - c->p); }

/* Copy `want` bytes (zero-filling past the end), advance by what was there,
 * and tell whether at least `min` bytes were available. */
static bool wd_take(struct cur *c, void *dst, size_t want, size_t min)
{
    size_t have = cur_left(c);
    size_t n = have < want ? have : want;
    memset(dst, 0, want);

    if (n)
        memcpy(dst, c->p, n);
    c->p += n;
    return have >= min;
}

/* A NUL-terminated name; without a NUL the rest of the buffer is the name
 * and the message is malformed. */
static bool wd_name(struct cur *c, const char **s, size_t *n)
{
    size_t left = cur_left(c);
    const uint8_t *nul = left ? memchr(c->p, 0, left) : NULL;
    *s = (const char *)c->p;
    if (!nul) {
        *n = left;
        c->p = c->end;
        return false;
    }
    *n = (size_t)(nul - c->p);
    c->p = nul + 1;
    return true;
}

static void extra(struct wire_extra *x, const char *key, int64_t val)
{
    if (x->n < WIRE_MAX_EXTRA) {
        x->kv[x->n].key = key;
        x->kv[x->n].val = val;
        x->n++;
    }
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* ---- requests ------------------------------------------------------------ */

/* One request being decoded: the argument cursor, the result, the
 * protocol facts.  Each opcode's decoder below states its layout once: the
 * kernel's argument struct, taken whole (or down to the older protocol's
 * size), and which field of it lands in which column. */
struct rq {
    struct cur c;
    struct wire_request *r;
    const struct wire_proto *proto;
    uint32_t opcode;
};

/* Protocol minor older than `minor` (0 = not known yet: assume current). */
static bool rq_older(const struct rq *q, uint32_t minor)
{
    return q->proto->minor && q->proto->minor < minor;
}

/* Take `want` bytes of fixed arguments; fewer than `min` there marks the
 * request malformed (the missing part reads as zeros). */
static void rq_take(struct rq *q, void *dst, size_t want, size_t min)
{
    if (!wd_take(&q->c, dst, want, min))
        q->r->malformed = true;
}
#define RQ_TAKE(q, in) rq_take((q), &(in), sizeof(in), sizeof(in))

static void set_fh(struct wire_request *r, uint64_t v) { r->fh = v; r->present |= WF_FH; }
static void set_offset(struct wire_request *r, uint64_t v) { r->offset = v; r->present |= WF_OFFSET; }
static void set_size(struct wire_request *r, uint64_t v) { r->size = v; r->present |= WF_SIZE; }
static void set_flags(struct wire_request *r, uint32_t v) { r->flags = v; r->present |= WF_FLAGS; }
static void set_mode(struct wire_request *r, uint32_t v) { r->mode = v; r->present |= WF_MODE; }
static void set_umask(struct wire_request *r, uint32_t v) { r->umask = v; r->present |= WF_UMASK; }
static void set_nodeid2(struct wire_request *r, uint64_t v) { r->nodeid2 = v; r->present |= WF_NODEID2; }

/* An extra only when it is not zero. */
static void extra_nz(struct wire_extra *x, const char *key, int64_t val)
{
    if (val)
        extra(x, key, val);
}

/* The file data that follows the fixed arguments (WRITE, SETXATTR,
 * NOTIFY_REPLY): `claim` bytes announced, what the buffer holds kept. */
static void rq_data(struct rq *q, uint64_t claim)
{
    size_t left = cur_left(&q->c);
    q->r->data_claim = claim;
    q->r->data = q->c.p;
    q->r->data_len = left < claim ? left : claim;
    q->r->present |= WF_DATA;
}

static void rq_name(struct rq *q)
{
    if (!wd_name(&q->c, &q->r->name, &q->r->name_len))
        q->r->malformed = true;
    q->r->present |= WF_NAME;
}

static void rq_name2(struct rq *q)
{
    if (!wd_name(&q->c, &q->r->name2, &q->r->name2_len))
        q->r->malformed = true;
    q->r->present |= WF_NAME2;
}

/* SYMLINK, RENAME: libfuse's order, the entry name first, then the second
 * name (link target, new name). */
static void rq_two_names(struct rq *q)
{
    rq_name(q);
    rq_name2(q);
}

static void rq_forget(struct rq *q)
{
    struct fuse_forget_in in;
    RQ_TAKE(q, in);
    q->r->nlookup = in.nlookup;
    q->r->present |= WF_NLOOKUP;
}

static void rq_getattr(struct rq *q)
{
    struct fuse_getattr_in in;
    /* Before 7.9 GETATTR had no argument at all. */
    rq_take(q, &in, sizeof in, rq_older(q, 9) ? 0 : sizeof in);
    set_flags(q->r, in.getattr_flags);
    if (in.getattr_flags & FUSE_GETATTR_FH)
        set_fh(q->r, in.fh);
}

static void rq_setattr(struct rq *q)
{
    struct wire_request *r = q->r;
    struct fuse_setattr_in in;
    RQ_TAKE(q, in);
    r->valid = in.valid;
    r->present |= WF_VALID;
    if (in.valid & FATTR_MODE)
        set_mode(r, in.mode);
    if (in.valid & FATTR_SIZE)
        set_size(r, in.size);
    if (in.valid & FATTR_FH)
        set_fh(r, in.fh);
    if (in.valid & FATTR_UID)
        extra(&r->extra, "uid", in.uid);
    if (in.valid & FATTR_GID)
        extra(&r->extra, "gid", in.gid);
    if (in.valid & FATTR_ATIME)
        extra(&r->extra, "atime_ns", (int64_t)(in.atime * 1000000000ULL + in.atimensec));
    if (in.valid & FATTR_MTIME)
        extra(&r->extra, "mtime_ns", (int64_t)(in.mtime * 1000000000ULL + in.mtimensec));
    if (in.valid & FATTR_CTIME)
        extra(&r->extra, "ctime_ns", (int64_t)(in.ctime * 1000000000ULL + in.ctimensec));
    if (in.valid & FATTR_LOCKOWNER)
        extra(&r->extra, "lock_owner", (int64_t)in.lock_owner);
}

static void rq_mknod(struct rq *q)
{
    struct fuse_mknod_in in = { 0 };
    size_t min = rq_older(q, 12) ? FUSE_COMPAT_MKNOD_IN_SIZE : sizeof in;
    rq_take(q, &in, min, min);
    set_mode(q->r, in.mode);
    if (min == sizeof in)
        set_umask(q->r, in.umask);
    extra(&q->r->extra, "rdev", in.rdev);
    rq_name(q);
}

static void rq_mkdir(struct rq *q)
{
    struct fuse_mkdir_in in;
    RQ_TAKE(q, in);
    set_mode(q->r, in.mode);
    set_umask(q->r, in.umask);
    rq_name(q);
}

static void rq_rename(struct rq *q)
{
    struct fuse_rename_in in;
    RQ_TAKE(q, in);
    set_nodeid2(q->r, in.newdir);
    rq_two_names(q);
}

static void rq_rename2(struct rq *q)
{
    struct fuse_rename2_in in;
    RQ_TAKE(q, in);
    set_nodeid2(q->r, in.newdir);
    set_flags(q->r, in.flags);
    rq_two_names(q);
}

static void rq_link(struct rq *q)
{
    struct fuse_link_in in;
    RQ_TAKE(q, in);
    set_nodeid2(q->r, in.oldnodeid);
    rq_name(q);
}

static void rq_open(struct rq *q)
{
    struct fuse_open_in in;
    RQ_TAKE(q, in);
    set_flags(q->r, in.flags);
    extra_nz(&q->r->extra, "open_flags", in.open_flags);
}

/* READ, READDIR, READDIRPLUS */
static void rq_read(struct rq *q)
{
    struct fuse_read_in in;
    rq_take(q, &in, sizeof in, rq_older(q, 9) ? 24 : sizeof in);
    set_fh(q->r, in.fh);
    set_offset(q->r, in.offset);
    set_size(q->r, in.size);
    set_flags(q->r, in.flags);
    extra_nz(&q->r->extra, "read_flags", in.read_flags);
    if (in.read_flags & FUSE_READ_LOCKOWNER)
        extra(&q->r->extra, "lock_owner", (int64_t)in.lock_owner);
}

static void rq_write(struct rq *q)
{
    struct fuse_write_in in = { 0 };
    size_t min = rq_older(q, 9) ? FUSE_COMPAT_WRITE_IN_SIZE : sizeof in;
    rq_take(q, &in, min, min);
    set_fh(q->r, in.fh);
    set_offset(q->r, in.offset);
    set_size(q->r, in.size);
    set_flags(q->r, in.flags);
    extra_nz(&q->r->extra, "write_flags", in.write_flags);
    rq_data(q, in.size);
}

static void rq_release(struct rq *q)
{
    struct fuse_release_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
    set_flags(q->r, in.flags);
    extra_nz(&q->r->extra, "release_flags", in.release_flags);
    if (in.release_flags & FUSE_RELEASE_FLOCK_UNLOCK)
        extra(&q->r->extra, "lock_owner", (int64_t)in.lock_owner);
}

static void rq_fsync(struct rq *q)
{
    struct fuse_fsync_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
    set_flags(q->r, in.fsync_flags);
}

static void rq_setxattr(struct rq *q)
{
    struct fuse_setxattr_in in = { 0 };
    size_t sz = q->proto->setxattr_ext ? sizeof in : FUSE_COMPAT_SETXATTR_IN_SIZE;
    rq_take(q, &in, sz, sz);
    set_size(q->r, in.size);
    set_flags(q->r, in.flags);
    extra_nz(&q->r->extra, "setxattr_flags", in.setxattr_flags);
    rq_name(q);
    if (cur_left(&q->c) < in.size)
        q->r->malformed = true;
    rq_data(q, in.size);
}

/* GETXATTR (with a name), LISTXATTR */
static void rq_getxattr(struct rq *q)
{
    struct fuse_getxattr_in in;
    RQ_TAKE(q, in);
    set_size(q->r, in.size);
    if (q->opcode == FUSE_GETXATTR)
        rq_name(q);
}

static void rq_flush(struct rq *q)
{
    struct fuse_flush_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
}

static void rq_init(struct rq *q)
{
    struct wire_request *r = q->r;
    struct fuse_init_in in;
    /* 7.6+ kernels send major, minor, max_readahead, flags (16 bytes);
     * flags2 and the rest arrived with 7.36. */
    rq_take(q, &in, sizeof in, 8);
    r->init_major = in.major;
    r->init_minor = in.minor;
    r->init_max_readahead = in.max_readahead;
    r->init_flags = in.flags;
    if ((in.flags & FUSE_INIT_EXT) && in.minor >= 36)
        r->init_flags |= (uint64_t)in.flags2 << 32;
    r->present |= WF_INIT;
    set_flags(r, in.flags);
}

/* GETLK, SETLK, SETLKW */
static void rq_lock(struct rq *q)
{
    struct wire_request *r = q->r;
    struct fuse_lk_in in;
    RQ_TAKE(q, in);
    set_fh(r, in.fh);
    r->lock_type = in.lk.type;
    r->lock_start = in.lk.start;
    r->lock_end = in.lk.end;
    r->lock_pid = in.lk.pid;
    r->present |= WF_LOCK;
    set_flags(r, in.lk_flags);
    extra(&r->extra, "lock_pid", in.lk.pid);
    extra(&r->extra, "owner", (int64_t)in.owner);
}

static void rq_access(struct rq *q)
{
    struct fuse_access_in in;
    RQ_TAKE(q, in);
    set_mode(q->r, in.mask);
}

/* CREATE, TMPFILE */
static void rq_create(struct rq *q)
{
    struct fuse_create_in in = { 0 };
    size_t min = rq_older(q, 12) ? sizeof(struct fuse_open_in) : sizeof in;
    rq_take(q, &in, min, min);
    set_flags(q->r, in.flags);
    set_mode(q->r, in.mode);
    if (min == sizeof in) {
        set_umask(q->r, in.umask);
        extra_nz(&q->r->extra, "open_flags", in.open_flags);
    }
    rq_name(q);
}

static void rq_interrupt(struct rq *q)
{
    struct fuse_interrupt_in in;
    RQ_TAKE(q, in);
    q->r->target_unique = in.unique;
    q->r->present |= WF_TARGET_UNIQUE;
}

static void rq_bmap(struct rq *q)
{
    struct fuse_bmap_in in;
    RQ_TAKE(q, in);
    set_offset(q->r, in.block);
    set_size(q->r, in.blocksize);
}

static void rq_ioctl(struct rq *q)
{
    struct fuse_ioctl_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
    set_flags(q->r, in.flags);
    set_size(q->r, in.in_size);
    extra(&q->r->extra, "cmd", in.cmd);
    extra(&q->r->extra, "arg", (int64_t)in.arg);
    extra(&q->r->extra, "out_size", in.out_size);
}

static void rq_poll(struct rq *q)
{
    struct fuse_poll_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
    set_flags(q->r, in.flags);
    extra(&q->r->extra, "kh", (int64_t)in.kh);
    extra(&q->r->extra, "events", in.events);
}

static void rq_notify_reply(struct rq *q)
{
    struct fuse_notify_retrieve_in in;
    RQ_TAKE(q, in);
    set_offset(q->r, in.offset);
    set_size(q->r, in.size);
    rq_data(q, in.size);
}

static void rq_batch_forget(struct rq *q)
{
    struct wire_request *r = q->r;
    struct fuse_batch_forget_in in;
    RQ_TAKE(q, in);
    size_t fit = cur_left(&q->c) / sizeof(struct fuse_forget_one);
    r->forgets_claim = in.count;
    r->nforgets = in.count <= fit ? in.count : (uint32_t)fit;
    if (r->nforgets < in.count)
        r->malformed = true;
    r->forgets = q->c.p;
    r->present |= WF_FORGETS;
}

static void rq_fallocate(struct rq *q)
{
    struct fuse_fallocate_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
    set_offset(q->r, in.offset);
    set_size(q->r, in.length);
    set_mode(q->r, in.mode);
}

static void rq_lseek(struct rq *q)
{
    struct fuse_lseek_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
    set_offset(q->r, in.offset);
    set_flags(q->r, in.whence);
}

static void rq_copy_file_range(struct rq *q)
{
    struct fuse_copy_file_range_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh_in);
    set_offset(q->r, in.off_in);
    set_nodeid2(q->r, in.nodeid_out);
    set_size(q->r, in.len);
    set_flags(q->r, (uint32_t)in.flags);
    extra(&q->r->extra, "fh_out", (int64_t)in.fh_out);
    extra(&q->r->extra, "off_out", (int64_t)in.off_out);
}

static void rq_setupmapping(struct rq *q)
{
    struct fuse_setupmapping_in in;
    RQ_TAKE(q, in);
    set_fh(q->r, in.fh);
    set_offset(q->r, in.foffset);
    set_size(q->r, in.len);
    set_flags(q->r, (uint32_t)in.flags);
    extra(&q->r->extra, "moffset", (int64_t)in.moffset);
}

static void rq_removemapping(struct rq *q)
{
    struct fuse_removemapping_in in;
    RQ_TAKE(q, in);
    set_size(q->r, in.count);
}

/* fuse_statx_in: getattr_flags u32, reserved u32, fh u64, sx_flags u32,
 * sx_mask u32. */
static void rq_statx(struct rq *q)
{
    uint8_t in[STATX_IN_SIZE];
    RQ_TAKE(q, in);
    if (rd32(in) & FUSE_GETATTR_FH)
        set_fh(q->r, rd64(in + 8));
    set_flags(q->r, rd32(in + 16));
    extra(&q->r->extra, "mask", rd32(in + 20));
}

typedef void rq_decoder(struct rq *q);

/* Opcodes without a decoder (READLINK, STATFS, DESTROY, SYNCFS, unknown
 * ones) have no argument worth a column. */
static rq_decoder *const rq_decoders[WIRE_OP_MAX + 1] = {
    [FUSE_LOOKUP] = rq_name,           [FUSE_UNLINK] = rq_name,
    [FUSE_RMDIR] = rq_name,            [FUSE_REMOVEXATTR] = rq_name,
    [FUSE_FORGET] = rq_forget,         [FUSE_GETATTR] = rq_getattr,
    [FUSE_SETATTR] = rq_setattr,       [FUSE_SYMLINK] = rq_two_names,
    [FUSE_MKNOD] = rq_mknod,           [FUSE_MKDIR] = rq_mkdir,
    [FUSE_RENAME] = rq_rename,         [FUSE_RENAME2] = rq_rename2,
    [FUSE_LINK] = rq_link,             [FUSE_OPEN] = rq_open,
    [FUSE_OPENDIR] = rq_open,          [FUSE_READ] = rq_read,
    [FUSE_READDIR] = rq_read,          [FUSE_READDIRPLUS] = rq_read,
    [FUSE_WRITE] = rq_write,           [FUSE_RELEASE] = rq_release,
    [FUSE_RELEASEDIR] = rq_release,    [FUSE_FSYNC] = rq_fsync,
    [FUSE_FSYNCDIR] = rq_fsync,        [FUSE_SETXATTR] = rq_setxattr,
    [FUSE_GETXATTR] = rq_getxattr,     [FUSE_LISTXATTR] = rq_getxattr,
    [FUSE_FLUSH] = rq_flush,           [FUSE_INIT] = rq_init,
    [FUSE_GETLK] = rq_lock,            [FUSE_SETLK] = rq_lock,
    [FUSE_SETLKW] = rq_lock,           [FUSE_ACCESS] = rq_access,
    [FUSE_CREATE] = rq_create,         [FUSE_TMPFILE] = rq_create,
    [FUSE_INTERRUPT] = rq_interrupt,   [FUSE_BMAP] = rq_bmap,
    [FUSE_IOCTL] = rq_ioctl,           [FUSE_POLL] = rq_poll,
    [FUSE_NOTIFY_REPLY] = rq_notify_reply,
    [FUSE_BATCH_FORGET] = rq_batch_forget,
    [FUSE_FALLOCATE] = rq_fallocate,   [FUSE_LSEEK] = rq_lseek,
    [FUSE_COPY_FILE_RANGE] = rq_copy_file_range,
    [FUSE_SETUPMAPPING] = rq_setupmapping,
    [FUSE_REMOVEMAPPING] = rq_removemapping,
    [WIRE_OP_STATX] = rq_statx,
};

static rq_decoder *rq_decoder_of(uint32_t opcode)
{
    if (opcode == CUSE_INIT)
        return rq_init;
    return opcode <= WIRE_OP_MAX ? rq_decoders[opcode] : NULL;
}

void wire_decode_request(const void *buf, size_t len,
                         const struct wire_proto *proto,
                         struct wire_request *r)
{
    static const struct wire_proto no_proto;
    const uint8_t *b = buf;
    struct fuse_in_header h;

    memset(r, 0, sizeof *r);
    if (!b || len < sizeof h)
        return;
    memcpy(&h, b, sizeof h);
    r->ok = true;
    r->len = h.len;
    r->opcode = h.opcode;
    r->unique = h.unique;
    r->nodeid = h.nodeid;
    r->uid = h.uid;
    r->gid = h.gid;
    r->pid = h.pid;

    /* The header may only shrink the region: a kept prefix (hot path) is
     * shorter than h.len, a lying header longer than the buffer. */
    size_t end = len;
    if (h.len < sizeof h)
        r->malformed = true;
    else if (h.len < end)
        end = h.len;
    else if (h.len > len && h.opcode != FUSE_WRITE && h.opcode != FUSE_NOTIFY_REPLY)
        r->malformed = true;
    /* Request extensions (7.38+) trail the arguments of a complete message. */
    if (h.total_extlen && len >= h.len && h.len >= sizeof h) {
        size_t ext = (size_t)h.total_extlen * 8;
        if (ext <= end - sizeof h)
            end -= ext;
        else
            r->malformed = true;
        extra(&r->extra, "extlen", (int64_t)ext);
    }
    struct rq q = { { b + sizeof h, b + end }, r, proto ? proto : &no_proto, h.opcode };
    rq_decoder *decode = rq_decoder_of(h.opcode);
    if (decode)
        decode(&q);
    if (r->malformed)
        extra(&r->extra, "malformed", 1);
}

void wire_forget_item(const struct wire_request *r, uint32_t i,
                      uint64_t *nodeid, uint64_t *nlookup)
{
    if (!r->forgets || i >= r->nforgets) {
        *nodeid = *nlookup = 0;
        return;
    }
    const uint8_t *p = r->forgets + (size_t)i * sizeof(struct fuse_forget_one);
    *nodeid = rd64(p);
    *nlookup = rd64(p + 8);
}

size_t wire_request_keep(const void *buf, size_t len, size_t capture)
{
    struct fuse_in_header h;
    size_t fixed;
    if (len < sizeof h)
        return len;
    memcpy(&h, buf, sizeof h);
    if (h.opcode == FUSE_WRITE)
        fixed = sizeof h + sizeof(struct fuse_write_in);
    else if (h.opcode == FUSE_NOTIFY_REPLY)
        fixed = sizeof h + sizeof(struct fuse_notify_retrieve_in);
    else
        return len;
    if (fixed >= len)
        return len;
    return len - fixed < capture ? len : fixed + capture;
}

/* ---- replies ------------------------------------------------------------- */

/* One reply being decoded, like struct rq: each decoder below states the
 * layout of one kind of reply body once. */
struct rp {
    struct cur c;
    struct wire_reply *r;
    const struct wire_proto *proto;
    const struct wire_req_info *req;
    uint64_t claim;              /* body bytes the daemon announced */
};

static void rp_take(struct rp *p, void *dst, size_t want, size_t min)
{
    if (!wd_take(&p->c, dst, want, min))
        p->r->malformed = true;
}
#define RP_TAKE(p, out) rp_take((p), &(out), sizeof(out), sizeof(out))

static void rp_bytes(struct wire_reply *r, uint64_t v) { r->bytes = v; r->present |= WR_BYTES; }

static void rep_attr(struct wire_reply *r, const struct fuse_attr *a)
{
    r->attr_mode = a->mode;
    r->attr_size = a->size;
    r->attr_ino = a->ino;
    r->attr_uid = a->uid;
    r->attr_gid = a->gid;
    r->present |= WR_ATTR;
}

/* LOOKUP, MKNOD, MKDIR, SYMLINK, LINK */
static void rp_entry(struct rp *p)
{
    struct wire_reply *r = p->r;
    struct fuse_entry_out e = { 0 };
    size_t min = (p->proto->minor && p->proto->minor < 9) ? FUSE_COMPAT_ENTRY_OUT_SIZE : sizeof e;
    rp_take(p, &e, min, min);
    r->nodeid = e.nodeid;
    r->generation = e.generation;
    r->entry_valid_ns = e.entry_valid * 1000000000ULL + e.entry_valid_nsec;
    r->attr_valid_ns = e.attr_valid * 1000000000ULL + e.attr_valid_nsec;
    r->present |= WR_ENTRY | WR_TIMEOUTS;
    rep_attr(r, &e.attr);
}

/* OPEN, OPENDIR */
static void rp_open(struct rp *p)
{
    struct fuse_open_out o;
    RP_TAKE(p, o);
    p->r->fh = o.fh;
    p->r->open_flags = o.open_flags;
    p->r->present |= WR_OPEN;
    /* backing_id (7.40) is the former padding: nonzero only for passthrough. */
    int32_t backing_id;
    memcpy(&backing_id, (const uint8_t *)&o + FUSE_EXT_OPEN_OUT_BACKING_OFF, sizeof backing_id);
    extra_nz(&p->r->extra, "backing_id", backing_id);
}

/* CREATE, TMPFILE: an entry, then an open */
static void rp_create(struct rp *p)
{
    rp_entry(p);
    rp_open(p);
}

/* GETATTR, SETATTR */
static void rp_attr(struct rp *p)
{
    struct fuse_attr_out o = { 0 };
    size_t min = (p->proto->minor && p->proto->minor < 9) ? FUSE_COMPAT_ATTR_OUT_SIZE : sizeof o;
    rp_take(p, &o, min, min);
    p->r->attr_valid_ns = o.attr_valid * 1000000000ULL + o.attr_valid_nsec;
    rep_attr(p->r, &o.attr);
}

/* fuse_statx_out: attr_valid u64, attr_valid_nsec u32, flags u32, spare
 * u64 x2, then struct fuse_statx (mask u32 at 32, ..., uid u32 at 52, gid
 * at 56, mode u16 at 60, ino u64 at 64, size u64 at 72). */
static void rp_statx(struct rp *p)
{
    struct wire_reply *r = p->r;
    uint8_t o[STATX_OUT_MIN];
    RP_TAKE(p, o);
    r->attr_valid_ns = rd64(o) * 1000000000ULL + rd32(o + 8);
    r->attr_uid = rd32(o + 52);
    r->attr_gid = rd32(o + 56);
    r->attr_mode = rd16(o + 60);
    r->attr_ino = rd64(o + 64);
    r->attr_size = rd64(o + 72);
    r->present |= WR_ATTR;
    extra(&r->extra, "mask", rd32(o + 32));
}

static void rp_read(struct rp *p)
{
    rp_bytes(p->r, p->claim);
    p->r->data = p->c.p;
    p->r->data_len = cur_left(&p->c);
    p->r->present |= WF_DATA;
}

static void rp_readlink(struct rp *p)
{
    rp_bytes(p->r, p->claim);
    p->r->name = (const char *)p->c.p;
    p->r->name_len = cur_left(&p->c);
    p->r->present |= WF_NAME;
}

/* WRITE, COPY_FILE_RANGE */
static void rp_write(struct rp *p)
{
    struct fuse_write_out o;
    RP_TAKE(p, o);
    rp_bytes(p->r, o.size);
}

static void rp_statfs(struct rp *p)
{
    struct wire_extra *x = &p->r->extra;
    struct fuse_statfs_out o;
    rp_take(p, &o, sizeof o, FUSE_COMPAT_STATFS_SIZE);
    extra(x, "blocks", (int64_t)o.st.blocks);
    extra(x, "bfree", (int64_t)o.st.bfree);
    extra(x, "bavail", (int64_t)o.st.bavail);
    extra(x, "files", (int64_t)o.st.files);
    extra(x, "ffree", (int64_t)o.st.ffree);
    extra(x, "bsize", o.st.bsize);
    extra(x, "namelen", o.st.namelen);
    extra(x, "frsize", o.st.frsize);
}

/* GETXATTR, LISTXATTR: a size query is answered with the size the value
 * would take; otherwise the value itself. */
static void rp_getxattr(struct rp *p)
{
    if (p->req->size_query) {
        struct fuse_getxattr_out o;
        RP_TAKE(p, o);
        rp_bytes(p->r, o.size);
    } else {
        rp_bytes(p->r, p->claim);
    }
}

static void rp_getlk(struct rp *p)
{
    struct wire_extra *x = &p->r->extra;
    struct fuse_lk_out o;
    RP_TAKE(p, o);
    extra(x, "lock_type", o.lk.type);
    extra(x, "lock_start", (int64_t)o.lk.start);
    extra(x, "lock_end", (int64_t)o.lk.end);
    extra(x, "lock_pid", o.lk.pid);
}

static void rp_init(struct rp *p)
{
    struct wire_reply *r = p->r;
    struct fuse_init_out o;
    size_t have = cur_left(&p->c);
    rp_take(p, &o, sizeof o, FUSE_COMPAT_INIT_OUT_SIZE);
    r->init_major = o.major;
    r->init_minor = o.minor;
    r->init_flags = o.flags;
    if (have >= FUSE_COMPAT_22_INIT_OUT_SIZE) {
        r->init_max_readahead = o.max_readahead;
        r->init_max_background = o.max_background;
        r->init_congestion_threshold = o.congestion_threshold;
        r->init_max_write = o.max_write;
    }
    if (have >= sizeof o) {
        r->init_time_gran = o.time_gran;
        r->init_max_pages = o.max_pages;
        /* The kernel takes flags2 whenever FUSE_INIT_EXT is set, whatever
         * minor the server answered (libfuse 3.14 answers 31 and sets it). */
        if (o.flags & FUSE_INIT_EXT)
            r->init_flags |= (uint64_t)o.flags2 << 32;
        uint32_t depth;
        memcpy(&depth, (const uint8_t *)&o + FUSE_EXT_INIT_OUT_STACK_OFF, sizeof depth);
        extra_nz(&r->extra, "max_stack_depth", depth);
    }
    r->present |= WF_INIT;
}

static void rp_bmap(struct rp *p)
{
    struct fuse_bmap_out o;
    RP_TAKE(p, o);
    extra(&p->r->extra, "block", (int64_t)o.block);
}

static void rp_ioctl(struct rp *p)
{
    struct wire_extra *x = &p->r->extra;
    struct fuse_ioctl_out o;
    RP_TAKE(p, o);
    extra(x, "result", o.result);
    extra(x, "flags", o.flags);
    extra(x, "in_iovs", o.in_iovs);
    extra(x, "out_iovs", o.out_iovs);
    rp_bytes(p->r, p->claim >= sizeof o ? p->claim - sizeof o : 0);
}

static void rp_poll(struct rp *p)
{
    struct fuse_poll_out o;
    RP_TAKE(p, o);
    extra(&p->r->extra, "revents", o.revents);
}

static void rp_lseek(struct rp *p)
{
    struct fuse_lseek_out o;
    RP_TAKE(p, o);
    extra(&p->r->extra, "offset", (int64_t)o.offset);
}

static size_t dirent_count(const uint8_t *p, size_t len, bool plus, bool *malformed)
{
    size_t pos = 0, n = 0;
    struct wire_dirent d;
    while (wire_dirent_next(p, len, plus, &pos, &d, malformed))
        n++;
    return n;
}

/* READDIR, READDIRPLUS: the entries stay in the buffer (wire_dirent_next) */
static void rp_readdir(struct rp *p)
{
    struct wire_reply *r = p->r;
    bool plus = p->req->opcode == FUSE_READDIRPLUS;
    bool bad = false;
    r->plus = plus;
    r->dirents = p->c.p;
    r->dirents_len = cur_left(&p->c);
    r->count = dirent_count(p->c.p, cur_left(&p->c), plus, &bad);
    if (bad)
        r->malformed = true;
    rp_bytes(r, p->claim);
    r->present |= WR_DIRENTS | WR_COUNT;
}

bool wire_dirent_next(const uint8_t *buf, size_t len, bool plus, size_t *pos,
                      struct wire_dirent *d, bool *malformed)
{
    size_t at = *pos;
    size_t head = plus ? sizeof(struct fuse_entry_out) + FUSE_NAME_OFFSET : FUSE_NAME_OFFSET;
    memset(d, 0, sizeof *d);
    if (!buf || at >= len)
        return false;
    if (len - at < head) {
        *malformed = true;
        return false;
    }
    const uint8_t *p = buf + at;
    const uint8_t *de = p;
    if (plus) {
        d->nodeid = rd64(p);
        d->generation = rd64(p + 8);
        d->attr_size = rd64(p + offsetof(struct fuse_entry_out, attr.size));
        d->attr_mode = rd32(p + offsetof(struct fuse_entry_out, attr.mode));
        de = p + sizeof(struct fuse_entry_out);
    }
    d->ino = rd64(de);
    d->off = rd64(de + 8);
    uint32_t namelen = rd32(de + 16);
    d->type = rd32(de + 20);
    if (namelen == 0 || namelen > len - at - head) {
        *malformed = true;
        return false;
    }
    d->name = (const char *)(p + head);
    d->name_len = namelen;
    size_t step = FUSE_DIRENT_ALIGN(head + (size_t)namelen);
    /* The last entry's padding may be missing: accept, then stop. */
    *pos = step <= len - at ? at + step : len;
    return true;
}

typedef void rp_decoder(struct rp *p);

/* By the opcode of the request answered; opcodes without a decoder have
 * an empty reply body (or none at all). */
static rp_decoder *const rp_decoders[WIRE_OP_MAX + 1] = {
    [FUSE_LOOKUP] = rp_entry,      [FUSE_MKNOD] = rp_entry,
    [FUSE_MKDIR] = rp_entry,       [FUSE_SYMLINK] = rp_entry,
    [FUSE_LINK] = rp_entry,        [FUSE_CREATE] = rp_create,
    [FUSE_TMPFILE] = rp_create,    [FUSE_GETATTR] = rp_attr,
    [FUSE_SETATTR] = rp_attr,      [WIRE_OP_STATX] = rp_statx,
    [FUSE_OPEN] = rp_open,         [FUSE_OPENDIR] = rp_open,
    [FUSE_READ] = rp_read,         [FUSE_READLINK] = rp_readlink,
    [FUSE_WRITE] = rp_write,       [FUSE_COPY_FILE_RANGE] = rp_write,
    [FUSE_STATFS] = rp_statfs,     [FUSE_GETXATTR] = rp_getxattr,
    [FUSE_LISTXATTR] = rp_getxattr, [FUSE_GETLK] = rp_getlk,
    [FUSE_INIT] = rp_init,         [FUSE_BMAP] = rp_bmap,
    [FUSE_IOCTL] = rp_ioctl,       [FUSE_POLL] = rp_poll,
    [FUSE_LSEEK] = rp_lseek,       [FUSE_READDIR] = rp_readdir,
    [FUSE_READDIRPLUS] = rp_readdir,
};

/* ---- notifications (unique 0; the code is in the error field) ------------ */

static void nt_poll(struct rp *p)
{
    struct fuse_notify_poll_wakeup_out o;
    RP_TAKE(p, o);
    extra(&p->r->extra, "kh", (int64_t)o.kh);
}

static void nt_inval_inode(struct rp *p)
{
    struct wire_reply *r = p->r;
    struct fuse_notify_inval_inode_out o;
    RP_TAKE(p, o);
    r->nodeid = o.ino;
    r->offset = (uint64_t)o.off;
    r->size = (uint64_t)o.len;
    r->present |= WF_OFFSET | WF_SIZE;
}

/* The name after an INVAL_ENTRY or DELETE notification: namelen bytes
 * (no NUL counted). */
static void nt_name(struct rp *p, uint32_t namelen)
{
    struct wire_reply *r = p->r;
    size_t left = cur_left(&p->c);
    r->name = (const char *)p->c.p;
    r->name_len = namelen <= left ? namelen : left;
    if (namelen > left)
        r->malformed = true;
    r->present |= WF_NAME;
}

static void nt_inval_entry(struct rp *p)
{
    struct fuse_notify_inval_entry_out o;
    RP_TAKE(p, o);
    p->r->nodeid = o.parent;
    if (o.flags)
        extra(&p->r->extra, "flags", o.flags);
    nt_name(p, o.namelen);
}

static void nt_delete(struct rp *p)
{
    struct fuse_notify_delete_out o;
    RP_TAKE(p, o);
    p->r->nodeid = o.parent;
    p->r->nodeid2 = o.child;
    p->r->present |= WF_NODEID2;
    nt_name(p, o.namelen);
}

static void nt_store(struct rp *p)
{
    struct wire_reply *r = p->r;
    struct fuse_notify_store_out o;
    RP_TAKE(p, o);
    r->nodeid = o.nodeid;
    r->offset = o.offset;
    r->size = o.size;
    r->present |= WF_OFFSET | WF_SIZE | WF_DATA;
    r->data = p->c.p;
    r->data_len = cur_left(&p->c) < o.size ? cur_left(&p->c) : o.size;
}

static void nt_retrieve(struct rp *p)
{
    struct wire_reply *r = p->r;
    struct fuse_notify_retrieve_out o;
    RP_TAKE(p, o);
    r->notify_unique = o.notify_unique;
    r->nodeid = o.nodeid;
    r->offset = o.offset;
    r->size = o.size;
    r->present |= WF_OFFSET | WF_SIZE;
}

static rp_decoder *nt_decoder_of(int32_t code)
{
    switch (code) {
    case FUSE_NOTIFY_POLL: return nt_poll;
    case FUSE_NOTIFY_INVAL_INODE: return nt_inval_inode;
    case FUSE_NOTIFY_INVAL_ENTRY: return nt_inval_entry;
    case FUSE_NOTIFY_DELETE: return nt_delete;
    case FUSE_NOTIFY_STORE: return nt_store;
    case FUSE_NOTIFY_RETRIEVE: return nt_retrieve;
    default: return NULL;
    }
}

static rp_decoder *rp_decoder_of(uint32_t opcode)
{
    if (opcode == CUSE_INIT)
        return rp_init;
    return opcode <= WIRE_OP_MAX ? rp_decoders[opcode] : NULL;
}

void wire_decode_reply(const void *buf, size_t len,
                       const struct wire_req_info *req,
                       const struct wire_proto *proto,
                       struct wire_reply *r)
{
    static const struct wire_proto no_proto;
    static const struct wire_req_info no_req;
    const uint8_t *b = buf;
    struct fuse_out_header h;

    memset(r, 0, sizeof *r);
    if (!b || len < sizeof h)
        return;
    memcpy(&h, b, sizeof h);
    r->ok = true;
    r->len = h.len;
    r->error = h.error;
    r->unique = h.unique;

    /* The body the daemon claimed, for byte counts; the body we can read,
     * for decoding.  A claim below the header size is a malformed reply. */
    size_t end = len;
    if (h.len < sizeof h)
        r->malformed = true;
    else if (h.len < end)
        end = h.len;
    struct rp p = {
        .c = { b + sizeof h, b + end },
        .r = r,
        .proto = proto ? proto : &no_proto,
        .req = req ? req : &no_req,
        .claim = h.len >= sizeof h ? h.len - sizeof h : 0,
    };

    rp_decoder *decode;
    if (h.unique == 0) {
        r->notify = true;
        decode = nt_decoder_of(h.error);
    } else if (h.error != 0) {
        return;              /* an error reply has no body */
    } else {
        decode = rp_decoder_of(p.req->opcode);
    }
    if (decode)
        decode(&p);
    if (r->malformed && !r->notify)
        extra(&r->extra, "malformed", 1);
}

/* ---- names ----------------------------------------------------------------- */

static const char *const opnames[WIRE_OP_MAX + 1] = {
    [FUSE_LOOKUP] = "LOOKUP", [FUSE_FORGET] = "FORGET",
    [FUSE_GETATTR] = "GETATTR", [FUSE_SETATTR] = "SETATTR",
    [FUSE_READLINK] = "READLINK", [FUSE_SYMLINK] = "SYMLINK",
    [FUSE_MKNOD] = "MKNOD", [FUSE_MKDIR] = "MKDIR", [FUSE_UNLINK] = "UNLINK",
    [FUSE_RMDIR] = "RMDIR", [FUSE_RENAME] = "RENAME", [FUSE_LINK] = "LINK",
    [FUSE_OPEN] = "OPEN", [FUSE_READ] = "READ", [FUSE_WRITE] = "WRITE",
    [FUSE_STATFS] = "STATFS", [FUSE_RELEASE] = "RELEASE",
    [FUSE_FSYNC] = "FSYNC", [FUSE_SETXATTR] = "SETXATTR",
    [FUSE_GETXATTR] = "GETXATTR", [FUSE_LISTXATTR] = "LISTXATTR",
    [FUSE_REMOVEXATTR] = "REMOVEXATTR", [FUSE_FLUSH] = "FLUSH",
    [FUSE_INIT] = "INIT", [FUSE_OPENDIR] = "OPENDIR",
    [FUSE_READDIR] = "READDIR", [FUSE_RELEASEDIR] = "RELEASEDIR",
    [FUSE_FSYNCDIR] = "FSYNCDIR", [FUSE_GETLK] = "GETLK",
    [FUSE_SETLK] = "SETLK", [FUSE_SETLKW] = "SETLKW",
    [FUSE_ACCESS] = "ACCESS", [FUSE_CREATE] = "CREATE",
    [FUSE_INTERRUPT] = "INTERRUPT", [FUSE_BMAP] = "BMAP",
    [FUSE_DESTROY] = "DESTROY", [FUSE_IOCTL] = "IOCTL", [FUSE_POLL] = "POLL",
    [FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY", [FUSE_BATCH_FORGET] = "BATCH_FORGET",
    [FUSE_FALLOCATE] = "FALLOCATE", [FUSE_READDIRPLUS] = "READDIRPLUS",
    [FUSE_RENAME2] = "RENAME2", [FUSE_LSEEK] = "LSEEK",
    [FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
    [FUSE_SETUPMAPPING] = "SETUPMAPPING", [FUSE_REMOVEMAPPING] = "REMOVEMAPPING",
    [FUSE_SYNCFS] = "SYNCFS", [FUSE_TMPFILE] = "TMPFILE",
    [WIRE_OP_STATX] = "STATX",
};

const char *wire_opcode_name(uint32_t opcode)
{
    if (opcode == CUSE_INIT)
        return "CUSE_INIT";
    return opcode <= WIRE_OP_MAX ? opnames[opcode] : NULL;
}

bool wire_opcode_has_reply(uint32_t opcode)
{
    switch (opcode) {
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
    case FUSE_NOTIFY_REPLY:
        return false;
    default:
        return true;
    }
}

const char *wire_notify_name(int32_t code)
{
    static const char *const names[] = {
        [FUSE_NOTIFY_POLL] = "POLL", [FUSE_NOTIFY_INVAL_INODE] = "INVAL_INODE",
        [FUSE_NOTIFY_INVAL_ENTRY] = "INVAL_ENTRY", [FUSE_NOTIFY_STORE] = "STORE",
        [FUSE_NOTIFY_RETRIEVE] = "RETRIEVE", [FUSE_NOTIFY_DELETE] = "DELETE",
        [7] = "RESEND", [8] = "INC_EPOCH",
    };
    if (code <= 0 || (size_t)code >= sizeof names / sizeof names[0])
        return NULL;
    return names[code];
}
