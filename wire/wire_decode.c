/* wire_decode.c — bounds-checked decoding of FUSE requests and replies.
 *
 * Every structure is copied out with wd_take(), which zero-fills whatever
 * the buffer does not contain and reports whether the minimum size was
 * there; a short argument block therefore yields zeros plus `malformed`,
 * never an out-of-bounds read.  Lengths from the message (header len,
 * namelen, counts) only ever *shrink* the region we look at.
 */
#include "wire/wire_decode.h"

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

static void req_name(struct cur *c, struct wire_request *r)
{
    if (!wd_name(c, &r->name, &r->name_len))
        r->malformed = true;
    r->present |= WF_NAME;
}

static void req_name2(struct cur *c, struct wire_request *r)
{
    if (!wd_name(c, &r->name2, &r->name2_len))
        r->malformed = true;
    r->present |= WF_NAME2;
}

static void req_read(struct cur *c, struct wire_request *r,
                     const struct wire_proto *proto)
{
    struct fuse_read_in in;
    size_t min = (proto->minor && proto->minor < 9) ? 24 : sizeof in;
    if (!wd_take(c, &in, sizeof in, min))
        r->malformed = true;
    r->fh = in.fh;
    r->offset = in.offset;
    r->size = in.size;
    r->flags = in.flags;
    r->present |= WF_FH | WF_OFFSET | WF_SIZE | WF_FLAGS;
    if (in.read_flags)
        extra(&r->extra, "read_flags", in.read_flags);
    if (in.read_flags & FUSE_READ_LOCKOWNER)
        extra(&r->extra, "lock_owner", (int64_t)in.lock_owner);
}

static void req_lock(struct cur *c, struct wire_request *r)
{
    struct fuse_lk_in in;
    if (!wd_take(c, &in, sizeof in, sizeof in))
        r->malformed = true;
    r->fh = in.fh;
    r->lock_type = in.lk.type;
    r->lock_start = in.lk.start;
    r->lock_end = in.lk.end;
    r->lock_pid = in.lk.pid;
    r->flags = in.lk_flags;
    r->present |= WF_FH | WF_LOCK | WF_FLAGS;
    extra(&r->extra, "lock_pid", in.lk.pid);
    extra(&r->extra, "owner", (int64_t)in.owner);
}

static void req_init(struct cur *c, struct wire_request *r)
{
    struct fuse_init_in in;
    /* 7.6+ kernels send major, minor, max_readahead, flags (16 bytes);
     * flags2 and the rest arrived with 7.36. */
    if (!wd_take(c, &in, sizeof in, 8))
        r->malformed = true;
    r->init_major = in.major;
    r->init_minor = in.minor;
    r->init_max_readahead = in.max_readahead;
    r->init_flags = in.flags;
    if ((in.flags & FUSE_INIT_EXT) && in.minor >= 36)
        r->init_flags |= (uint64_t)in.flags2 << 32;
    r->flags = in.flags;
    r->present |= WF_INIT | WF_FLAGS;
}

void wire_decode_request(const void *buf, size_t len,
                         const struct wire_proto *proto,
                         struct wire_request *r)
{
    static const struct wire_proto no_proto;
    const uint8_t *b = buf;
    struct fuse_in_header h;

    memset(r, 0, sizeof *r);
    if (!proto)
        proto = &no_proto;
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
    struct cur c = { b + sizeof h, b + end };

    switch (h.opcode) {
    case FUSE_LOOKUP:
    case FUSE_UNLINK:
    case FUSE_RMDIR:
    case FUSE_REMOVEXATTR:
        req_name(&c, r);
        break;
    case FUSE_FORGET: {
        struct fuse_forget_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->nlookup = in.nlookup;
        r->present |= WF_NLOOKUP;
        break;
    }
    case FUSE_GETATTR: {
        struct fuse_getattr_in in;
        /* Before 7.9 GETATTR had no argument at all. */
        if (!wd_take(&c, &in, sizeof in, (proto->minor && proto->minor < 9) ? 0 : sizeof in))
            r->malformed = true;
        r->flags = in.getattr_flags;
        r->present |= WF_FLAGS;
        if (in.getattr_flags & FUSE_GETATTR_FH) {
            r->fh = in.fh;
            r->present |= WF_FH;
        }
        break;
    }
    case FUSE_SETATTR: {
        struct fuse_setattr_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->valid = in.valid;
        r->present |= WF_VALID;
        if (in.valid & FATTR_MODE) {
            r->mode = in.mode;
            r->present |= WF_MODE;
        }
        if (in.valid & FATTR_SIZE) {
            r->size = in.size;
            r->present |= WF_SIZE;
        }
        if (in.valid & FATTR_FH) {
            r->fh = in.fh;
            r->present |= WF_FH;
        }
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
        break;
    }
    case FUSE_SYMLINK:
        /* libfuse: the entry name first, then the link target. */
        req_name(&c, r);
        req_name2(&c, r);
        break;
    case FUSE_MKNOD: {
        struct fuse_mknod_in in = { 0 };
        size_t min = (proto->minor && proto->minor < 12) ? FUSE_COMPAT_MKNOD_IN_SIZE : sizeof in;
        if (!wd_take(&c, &in, min, min))
            r->malformed = true;
        r->mode = in.mode;
        r->present |= WF_MODE;
        if (min == sizeof in) {
            r->umask = in.umask;
            r->present |= WF_UMASK;
        }
        extra(&r->extra, "rdev", in.rdev);
        req_name(&c, r);
        break;
    }
    case FUSE_MKDIR: {
        struct fuse_mkdir_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->mode = in.mode;
        r->umask = in.umask;
        r->present |= WF_MODE | WF_UMASK;
        req_name(&c, r);
        break;
    }
    case FUSE_RENAME: {
        struct fuse_rename_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->nodeid2 = in.newdir;
        r->present |= WF_NODEID2;
        req_name(&c, r);
        req_name2(&c, r);
        break;
    }
    case FUSE_RENAME2: {
        struct fuse_rename2_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->nodeid2 = in.newdir;
        r->flags = in.flags;
        r->present |= WF_NODEID2 | WF_FLAGS;
        req_name(&c, r);
        req_name2(&c, r);
        break;
    }
    case FUSE_LINK: {
        struct fuse_link_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->nodeid2 = in.oldnodeid;
        r->present |= WF_NODEID2;
        req_name(&c, r);
        break;
    }
    case FUSE_OPEN:
    case FUSE_OPENDIR: {
        struct fuse_open_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->flags = in.flags;
        r->present |= WF_FLAGS;
        if (in.open_flags)
            extra(&r->extra, "open_flags", in.open_flags);
        break;
    }
    case FUSE_READ:
    case FUSE_READDIR:
    case FUSE_READDIRPLUS:
        req_read(&c, r, proto);
        break;
    case FUSE_WRITE: {
        struct fuse_write_in in = { 0 };
        size_t min = (proto->minor && proto->minor < 9) ? FUSE_COMPAT_WRITE_IN_SIZE : sizeof in;
        if (!wd_take(&c, &in, min, min))
            r->malformed = true;
        r->fh = in.fh;
        r->offset = in.offset;
        r->size = in.size;
        r->flags = in.flags;
        r->present |= WF_FH | WF_OFFSET | WF_SIZE | WF_FLAGS;
        if (in.write_flags)
            extra(&r->extra, "write_flags", in.write_flags);
        r->data_claim = in.size;
        r->data = c.p;
        r->data_len = cur_left(&c) < in.size ? cur_left(&c) : in.size;
        r->present |= WF_DATA;
        break;
    }
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR: {
        struct fuse_release_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->flags = in.flags;
        r->present |= WF_FH | WF_FLAGS;
        if (in.release_flags)
            extra(&r->extra, "release_flags", in.release_flags);
        if (in.release_flags & FUSE_RELEASE_FLOCK_UNLOCK)
            extra(&r->extra, "lock_owner", (int64_t)in.lock_owner);
        break;
    }
    case FUSE_FSYNC:
    case FUSE_FSYNCDIR: {
        struct fuse_fsync_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->flags = in.fsync_flags;
        r->present |= WF_FH | WF_FLAGS;
        break;
    }
    case FUSE_SETXATTR: {
        struct fuse_setxattr_in in = { 0 };
        size_t sz = proto->setxattr_ext ? sizeof in : FUSE_COMPAT_SETXATTR_IN_SIZE;
        if (!wd_take(&c, &in, sz, sz))
            r->malformed = true;
        r->size = in.size;
        r->flags = in.flags;
        r->present |= WF_SIZE | WF_FLAGS;
        if (in.setxattr_flags)
            extra(&r->extra, "setxattr_flags", in.setxattr_flags);
        req_name(&c, r);
        r->data_claim = in.size;
        r->data = c.p;
        r->data_len = cur_left(&c) < in.size ? cur_left(&c) : in.size;
        r->present |= WF_DATA;
        if (cur_left(&c) < in.size)
            r->malformed = true;
        break;
    }
    case FUSE_GETXATTR:
    case FUSE_LISTXATTR: {
        struct fuse_getxattr_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->size = in.size;
        r->present |= WF_SIZE;
        if (h.opcode == FUSE_GETXATTR)
            req_name(&c, r);
        break;
    }
    case FUSE_FLUSH: {
        struct fuse_flush_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->present |= WF_FH;
        break;
    }
    case FUSE_INIT:
    case CUSE_INIT:
        req_init(&c, r);
        break;
    case FUSE_GETLK:
    case FUSE_SETLK:
    case FUSE_SETLKW:
        req_lock(&c, r);
        break;
    case FUSE_ACCESS: {
        struct fuse_access_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->mode = in.mask;
        r->present |= WF_MODE;
        break;
    }
    case FUSE_CREATE:
    case FUSE_TMPFILE: {
        struct fuse_create_in in = { 0 };
        size_t min = (proto->minor && proto->minor < 12) ? sizeof(struct fuse_open_in) : sizeof in;
        if (!wd_take(&c, &in, min, min))
            r->malformed = true;
        r->flags = in.flags;
        r->mode = in.mode;
        r->present |= WF_FLAGS | WF_MODE;
        if (min == sizeof in) {
            r->umask = in.umask;
            r->present |= WF_UMASK;
            if (in.open_flags)
                extra(&r->extra, "open_flags", in.open_flags);
        }
        req_name(&c, r);
        break;
    }
    case FUSE_INTERRUPT: {
        struct fuse_interrupt_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->target_unique = in.unique;
        r->present |= WF_TARGET_UNIQUE;
        break;
    }
    case FUSE_BMAP: {
        struct fuse_bmap_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->offset = in.block;
        r->size = in.blocksize;
        r->present |= WF_OFFSET | WF_SIZE;
        break;
    }
    case FUSE_IOCTL: {
        struct fuse_ioctl_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->flags = in.flags;
        r->size = in.in_size;
        r->present |= WF_FH | WF_FLAGS | WF_SIZE;
        extra(&r->extra, "cmd", in.cmd);
        extra(&r->extra, "arg", (int64_t)in.arg);
        extra(&r->extra, "out_size", in.out_size);
        break;
    }
    case FUSE_POLL: {
        struct fuse_poll_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->flags = in.flags;
        r->present |= WF_FH | WF_FLAGS;
        extra(&r->extra, "kh", (int64_t)in.kh);
        extra(&r->extra, "events", in.events);
        break;
    }
    case FUSE_NOTIFY_REPLY: {
        struct fuse_notify_retrieve_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->offset = in.offset;
        r->size = in.size;
        r->present |= WF_OFFSET | WF_SIZE;
        r->data_claim = in.size;
        r->data = c.p;
        r->data_len = cur_left(&c) < in.size ? cur_left(&c) : in.size;
        r->present |= WF_DATA;
        break;
    }
    case FUSE_BATCH_FORGET: {
        struct fuse_batch_forget_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        size_t fit = cur_left(&c) / sizeof(struct fuse_forget_one);
        r->forgets_claim = in.count;
        r->nforgets = in.count <= fit ? in.count : (uint32_t)fit;
        if (r->nforgets < in.count)
            r->malformed = true;
        r->forgets = c.p;
        r->present |= WF_FORGETS;
        break;
    }
    case FUSE_FALLOCATE: {
        struct fuse_fallocate_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->offset = in.offset;
        r->size = in.length;
        r->mode = in.mode;
        r->present |= WF_FH | WF_OFFSET | WF_SIZE | WF_MODE;
        break;
    }
    case FUSE_LSEEK: {
        struct fuse_lseek_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->offset = in.offset;
        r->flags = in.whence;
        r->present |= WF_FH | WF_OFFSET | WF_FLAGS;
        break;
    }
    case FUSE_COPY_FILE_RANGE: {
        struct fuse_copy_file_range_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh_in;
        r->offset = in.off_in;
        r->nodeid2 = in.nodeid_out;
        r->size = in.len;
        r->flags = (uint32_t)in.flags;
        r->present |= WF_FH | WF_OFFSET | WF_NODEID2 | WF_SIZE | WF_FLAGS;
        extra(&r->extra, "fh_out", (int64_t)in.fh_out);
        extra(&r->extra, "off_out", (int64_t)in.off_out);
        break;
    }
    case FUSE_SETUPMAPPING: {
        struct fuse_setupmapping_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->fh = in.fh;
        r->offset = in.foffset;
        r->size = in.len;
        r->flags = (uint32_t)in.flags;
        r->present |= WF_FH | WF_OFFSET | WF_SIZE | WF_FLAGS;
        extra(&r->extra, "moffset", (int64_t)in.moffset);
        break;
    }
    case FUSE_REMOVEMAPPING: {
        struct fuse_removemapping_in in;
        if (!wd_take(&c, &in, sizeof in, sizeof in))
            r->malformed = true;
        r->size = in.count;
        r->present |= WF_SIZE;
        break;
    }
    case WIRE_OP_STATX: {
        uint8_t in[STATX_IN_SIZE];
        if (!wd_take(&c, in, sizeof in, sizeof in))
            r->malformed = true;
        uint32_t getattr_flags = rd32(in);
        if (getattr_flags & FUSE_GETATTR_FH) {
            r->fh = rd64(in + 8);
            r->present |= WF_FH;
        }
        r->flags = rd32(in + 16);
        r->present |= WF_FLAGS;
        extra(&r->extra, "mask", rd32(in + 20));
        break;
    }
    default:
        /* READLINK, STATFS, DESTROY, SYNCFS and unknown opcodes: no
         * argument worth a column. */
        break;
    }
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

static void rep_attr(struct wire_reply *r, const struct fuse_attr *a)
{
    r->attr_mode = a->mode;
    r->attr_size = a->size;
    r->attr_ino = a->ino;
    r->attr_uid = a->uid;
    r->attr_gid = a->gid;
    r->present |= WR_ATTR;
}

static void rep_entry(struct cur *c, struct wire_reply *r,
                      const struct wire_proto *proto)
{
    struct fuse_entry_out e = { 0 };
    size_t min = (proto->minor && proto->minor < 9) ? FUSE_COMPAT_ENTRY_OUT_SIZE : sizeof e;
    if (!wd_take(c, &e, min, min))
        r->malformed = true;
    r->nodeid = e.nodeid;
    r->generation = e.generation;
    r->entry_valid_ns = e.entry_valid * 1000000000ULL + e.entry_valid_nsec;
    r->attr_valid_ns = e.attr_valid * 1000000000ULL + e.attr_valid_nsec;
    r->present |= WR_ENTRY | WR_TIMEOUTS;
    rep_attr(r, &e.attr);
}

static void rep_open(struct cur *c, struct wire_reply *r)
{
    struct fuse_open_out o;
    if (!wd_take(c, &o, sizeof o, sizeof o))
        r->malformed = true;
    r->fh = o.fh;
    r->open_flags = o.open_flags;
    r->present |= WR_OPEN;
}

static void rep_init(struct cur *c, struct wire_reply *r)
{
    struct fuse_init_out o;
    size_t have = cur_left(c);
    if (!wd_take(c, &o, sizeof o, FUSE_COMPAT_INIT_OUT_SIZE))
        r->malformed = true;
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
        /* flags2 exists from 7.36; before that bit 30 meant nothing. */
        if ((o.flags & FUSE_INIT_EXT) && o.minor >= 36)
            r->init_flags |= (uint64_t)o.flags2 << 32;
    }
    r->present |= WF_INIT;
}

static size_t dirent_count(const uint8_t *p, size_t len, bool plus, bool *malformed)
{
    size_t pos = 0, n = 0;
    struct wire_dirent d;
    while (wire_dirent_next(p, len, plus, &pos, &d, malformed))
        n++;
    return n;
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

static void rep_notify(struct cur *c, struct wire_reply *r)
{
    switch (r->error) {
    case FUSE_NOTIFY_POLL: {
        struct fuse_notify_poll_wakeup_out o;
        if (!wd_take(c, &o, sizeof o, sizeof o))
            r->malformed = true;
        extra(&r->extra, "kh", (int64_t)o.kh);
        break;
    }
    case FUSE_NOTIFY_INVAL_INODE: {
        struct fuse_notify_inval_inode_out o;
        if (!wd_take(c, &o, sizeof o, sizeof o))
            r->malformed = true;
        r->nodeid = o.ino;
        r->offset = (uint64_t)o.off;
        r->size = (uint64_t)o.len;
        r->present |= WF_OFFSET | WF_SIZE;
        break;
    }
    case FUSE_NOTIFY_INVAL_ENTRY:
    case FUSE_NOTIFY_DELETE: {
        uint32_t namelen;
        if (r->error == FUSE_NOTIFY_INVAL_ENTRY) {
            struct fuse_notify_inval_entry_out o;
            if (!wd_take(c, &o, sizeof o, sizeof o))
                r->malformed = true;
            r->nodeid = o.parent;
            namelen = o.namelen;
            if (o.flags)
                extra(&r->extra, "flags", o.flags);
        } else {
            struct fuse_notify_delete_out o;
            if (!wd_take(c, &o, sizeof o, sizeof o))
                r->malformed = true;
            r->nodeid = o.parent;
            r->nodeid2 = o.child;
            r->present |= WF_NODEID2;
            namelen = o.namelen;
        }
        size_t left = cur_left(c);
        r->name = (const char *)c->p;
        r->name_len = namelen <= left ? namelen : left;
        if (namelen > left)
            r->malformed = true;
        r->present |= WF_NAME;
        break;
    }
    case FUSE_NOTIFY_STORE: {
        struct fuse_notify_store_out o;
        if (!wd_take(c, &o, sizeof o, sizeof o))
            r->malformed = true;
        r->nodeid = o.nodeid;
        r->offset = o.offset;
        r->size = o.size;
        r->present |= WF_OFFSET | WF_SIZE | WF_DATA;
        r->data = c->p;
        r->data_len = cur_left(c) < o.size ? cur_left(c) : o.size;
        break;
    }
    case FUSE_NOTIFY_RETRIEVE: {
        struct fuse_notify_retrieve_out o;
        if (!wd_take(c, &o, sizeof o, sizeof o))
            r->malformed = true;
        r->notify_unique = o.notify_unique;
        r->nodeid = o.nodeid;
        r->offset = o.offset;
        r->size = o.size;
        r->present |= WF_OFFSET | WF_SIZE;
        break;
    }
    default:
        break;
    }
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
    if (!proto)
        proto = &no_proto;
    if (!req)
        req = &no_req;
    if (!b || len < sizeof h)
        return;
    memcpy(&h, b, sizeof h);
    r->ok = true;
    r->len = h.len;
    r->error = h.error;
    r->unique = h.unique;

    /* The body the daemon claimed, for byte counts; the body we can read,
     * for decoding.  A claim below the header size is a malformed reply. */
    uint64_t claim = h.len >= sizeof h ? h.len - sizeof h : 0;
    size_t end = len;
    if (h.len < sizeof h)
        r->malformed = true;
    else if (h.len < end)
        end = h.len;
    struct cur c = { b + sizeof h, b + end };

    if (h.unique == 0) {
        r->notify = true;
        rep_notify(&c, r);
        return;
    }
    if (h.error != 0)
        return;              /* an error reply has no body */

    switch (req->opcode) {
    case FUSE_LOOKUP:
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_SYMLINK:
    case FUSE_LINK:
        rep_entry(&c, r, proto);
        break;
    case FUSE_CREATE:
    case FUSE_TMPFILE:
        rep_entry(&c, r, proto);
        rep_open(&c, r);
        break;
    case FUSE_GETATTR:
    case FUSE_SETATTR: {
        struct fuse_attr_out o = { 0 };
        size_t min = (proto->minor && proto->minor < 9) ? FUSE_COMPAT_ATTR_OUT_SIZE : sizeof o;
        if (!wd_take(&c, &o, min, min))
            r->malformed = true;
        r->attr_valid_ns = o.attr_valid * 1000000000ULL + o.attr_valid_nsec;
        rep_attr(r, &o.attr);
        break;
    }
    case WIRE_OP_STATX: {
        uint8_t o[STATX_OUT_MIN];
        if (!wd_take(&c, o, sizeof o, sizeof o))
            r->malformed = true;
        r->attr_valid_ns = rd64(o) * 1000000000ULL + rd32(o + 8);
        r->attr_uid = rd32(o + 52);
        r->attr_gid = rd32(o + 56);
        r->attr_mode = rd16(o + 60);
        r->attr_ino = rd64(o + 64);
        r->attr_size = rd64(o + 72);
        r->present |= WR_ATTR;
        extra(&r->extra, "mask", rd32(o + 32));
        break;
    }
    case FUSE_OPEN:
    case FUSE_OPENDIR:
        rep_open(&c, r);
        break;
    case FUSE_READ:
        r->bytes = claim;
        r->data = c.p;
        r->data_len = cur_left(&c);
        r->present |= WR_BYTES | WF_DATA;
        break;
    case FUSE_READLINK:
        r->bytes = claim;
        r->name = (const char *)c.p;
        r->name_len = cur_left(&c);
        r->present |= WR_BYTES | WF_NAME;
        break;
    case FUSE_WRITE:
    case FUSE_COPY_FILE_RANGE: {
        struct fuse_write_out o;
        if (!wd_take(&c, &o, sizeof o, sizeof o))
            r->malformed = true;
        r->bytes = o.size;
        r->present |= WR_BYTES;
        break;
    }
    case FUSE_STATFS: {
        struct fuse_statfs_out o;
        if (!wd_take(&c, &o, sizeof o, FUSE_COMPAT_STATFS_SIZE))
            r->malformed = true;
        extra(&r->extra, "blocks", (int64_t)o.st.blocks);
        extra(&r->extra, "bfree", (int64_t)o.st.bfree);
        extra(&r->extra, "bavail", (int64_t)o.st.bavail);
        extra(&r->extra, "files", (int64_t)o.st.files);
        extra(&r->extra, "ffree", (int64_t)o.st.ffree);
        extra(&r->extra, "bsize", o.st.bsize);
        extra(&r->extra, "namelen", o.st.namelen);
        extra(&r->extra, "frsize", o.st.frsize);
        break;
    }
    case FUSE_GETXATTR:
    case FUSE_LISTXATTR:
        if (req->size_query) {
            struct fuse_getxattr_out o;
            if (!wd_take(&c, &o, sizeof o, sizeof o))
                r->malformed = true;
            r->bytes = o.size;
        } else {
            r->bytes = claim;
        }
        r->present |= WR_BYTES;
        break;
    case FUSE_GETLK: {
        struct fuse_lk_out o;
        if (!wd_take(&c, &o, sizeof o, sizeof o))
            r->malformed = true;
        extra(&r->extra, "lock_type", o.lk.type);
        extra(&r->extra, "lock_start", (int64_t)o.lk.start);
        extra(&r->extra, "lock_end", (int64_t)o.lk.end);
        extra(&r->extra, "lock_pid", o.lk.pid);
        break;
    }
    case FUSE_INIT:
    case CUSE_INIT:
        rep_init(&c, r);
        break;
    case FUSE_BMAP: {
        struct fuse_bmap_out o;
        if (!wd_take(&c, &o, sizeof o, sizeof o))
            r->malformed = true;
        extra(&r->extra, "block", (int64_t)o.block);
        break;
    }
    case FUSE_IOCTL: {
        struct fuse_ioctl_out o;
        if (!wd_take(&c, &o, sizeof o, sizeof o))
            r->malformed = true;
        extra(&r->extra, "result", o.result);
        extra(&r->extra, "flags", o.flags);
        extra(&r->extra, "in_iovs", o.in_iovs);
        extra(&r->extra, "out_iovs", o.out_iovs);
        r->bytes = claim >= sizeof o ? claim - sizeof o : 0;
        r->present |= WR_BYTES;
        break;
    }
    case FUSE_POLL: {
        struct fuse_poll_out o;
        if (!wd_take(&c, &o, sizeof o, sizeof o))
            r->malformed = true;
        extra(&r->extra, "revents", o.revents);
        break;
    }
    case FUSE_LSEEK: {
        struct fuse_lseek_out o;
        if (!wd_take(&c, &o, sizeof o, sizeof o))
            r->malformed = true;
        extra(&r->extra, "offset", (int64_t)o.offset);
        break;
    }
    case FUSE_READDIR:
    case FUSE_READDIRPLUS: {
        bool plus = req->opcode == FUSE_READDIRPLUS;
        bool bad = false;
        r->plus = plus;
        r->dirents = c.p;
        r->dirents_len = cur_left(&c);
        r->count = dirent_count(c.p, cur_left(&c), plus, &bad);
        if (bad)
            r->malformed = true;
        r->bytes = claim;
        r->present |= WR_DIRENTS | WR_COUNT | WR_BYTES;
        break;
    }
    default:
        break;
    }
    if (r->malformed)
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
