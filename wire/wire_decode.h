/* wire_decode.h — pure decoders for FUSE messages as seen on /dev/fuse.
 *
 * These functions take raw bytes and a length and never trust a length
 * field inside the message: every read is bounds-checked against the
 * buffer, names are accepted only up to their NUL or the end of the buffer,
 * and counts are clamped to what the buffer can hold.  They allocate
 * nothing and keep no state, so a fuzzer can call them on arbitrary input.
 * Pointers in the decoded structs point into the caller's buffer.
 *
 * A reply's body can only be interpreted knowing the request's opcode (and
 * for GETXATTR/LISTXATTR whether the request asked for the size only); the
 * caller supplies that from its own unique -> opcode bookkeeping.
 */
#ifndef FUSETRACE_WIRE_WIRE_DECODE_H
#define FUSETRACE_WIRE_WIRE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes newer than bookworm's <linux/fuse.h> (protocol 7.38). */
#define WIRE_OP_STATX        52
#define WIRE_OP_MAX          52
#define WIRE_INT_REQ_BIT     1ULL      /* interrupt requests: unique | 1 */

/* Protocol facts that change how arguments are laid out; learned from INIT. */
struct wire_proto {
    uint32_t minor;            /* negotiated minor; 0 until INIT is answered */
    bool setxattr_ext;         /* FUSE_SETXATTR_EXT negotiated */
};

/* Which optional fields of a decoded message are set. */
enum {
    WF_NAME          = 1u << 0,
    WF_NAME2         = 1u << 1,
    WF_NODEID2       = 1u << 2,
    WF_FH            = 1u << 3,
    WF_OFFSET        = 1u << 4,
    WF_SIZE          = 1u << 5,
    WF_FLAGS         = 1u << 6,
    WF_MODE          = 1u << 7,
    WF_UMASK         = 1u << 8,
    WF_LOCK          = 1u << 9,
    WF_VALID         = 1u << 10,
    WF_NLOOKUP       = 1u << 11,
    WF_TARGET_UNIQUE = 1u << 12,
    WF_DATA          = 1u << 13,
    WF_FORGETS       = 1u << 14,
    WF_INIT          = 1u << 15,
};

/* A small list of rarely used integer fields, stored as JSON by the sink. */
#define WIRE_MAX_EXTRA 12
struct wire_extra {
    int n;
    struct { const char *key; int64_t val; } kv[WIRE_MAX_EXTRA];
};

struct wire_request {
    /* fuse_in_header; valid when ok */
    bool ok;                   /* false: shorter than a header, nothing decoded */
    bool malformed;            /* header ok but arguments truncated/inconsistent */
    uint32_t len;              /* header's claim */
    uint32_t opcode;
    uint64_t unique;
    uint64_t nodeid;
    uint32_t uid, gid, pid;

    uint32_t present;          /* WF_* */
    const char *name;  size_t name_len;     /* not NUL-terminated */
    const char *name2; size_t name2_len;
    uint64_t nodeid2;          /* RENAME newdir, LINK oldnodeid, COPY_FILE_RANGE nodeid_out */
    uint64_t fh, offset, size;
    uint32_t flags, mode, umask;
    uint32_t lock_type, lock_pid;
    uint64_t lock_start, lock_end;
    uint32_t valid;            /* SETATTR FATTR_* mask */
    uint64_t nlookup;          /* FORGET */
    uint64_t target_unique;    /* INTERRUPT */
    const uint8_t *data; size_t data_len;   /* WRITE/NOTIFY_REPLY payload present in buf */
    uint32_t data_claim;       /* payload size the request announced */
    const uint8_t *forgets;    /* BATCH_FORGET: nforgets x fuse_forget_one, unaligned */
    uint32_t nforgets;
    uint32_t forgets_claim;    /* count the header announced */
    /* INIT (kernel side) */
    uint32_t init_major, init_minor, init_max_readahead;
    uint64_t init_flags;
    struct wire_extra extra;
};

/* Bits of wire_reply.present beyond the WF_* ones. */
enum {
    WR_ENTRY     = 1u << 16,   /* nodeid, generation, attr_* */
    WR_ATTR      = 1u << 17,   /* attr_* (ATTR/STATX reply, or entry) */
    WR_OPEN      = 1u << 18,   /* fh, open_flags */
    WR_BYTES     = 1u << 19,
    WR_COUNT     = 1u << 20,
    WR_TIMEOUTS  = 1u << 21,   /* entry_valid_ns / attr_valid_ns */
    WR_DIRENTS   = 1u << 22,   /* dirents + ndirents */
};

struct wire_reply {
    bool ok;                   /* false: shorter than an out header */
    bool malformed;
    bool notify;               /* unique == 0: error holds the notify code */
    uint32_t len;
    int32_t error;             /* as on the wire: -errno, or notify code */
    uint64_t unique;

    uint32_t present;          /* WF_* and WR_* */
    uint64_t nodeid, generation;
    uint32_t attr_mode, attr_uid, attr_gid;
    uint64_t attr_size, attr_ino;
    uint64_t entry_valid_ns, attr_valid_ns;
    uint64_t fh;
    uint32_t open_flags;
    uint64_t bytes;            /* data bytes returned / written / xattr size */
    uint64_t count;            /* directory entries */
    const char *name; size_t name_len;      /* READLINK target, notify name */
    const uint8_t *data; size_t data_len;   /* READ data / notify STORE data in buf */
    const uint8_t *dirents;    /* READDIR(PLUS) body for wire_dirent_next() */
    size_t dirents_len;
    bool plus;
    /* notifications */
    uint64_t nodeid2, offset, size, notify_unique;
    /* INIT reply */
    uint32_t init_major, init_minor, init_max_readahead, init_max_write;
    uint32_t init_time_gran;
    uint16_t init_max_background, init_congestion_threshold, init_max_pages;
    uint64_t init_flags;
    struct wire_extra extra;
};

/* What the caller knows about the request a reply answers. */
struct wire_req_info {
    uint32_t opcode;           /* 0 = unknown: only the header is decoded */
    bool size_query;           /* GETXATTR/LISTXATTR asked with size 0 */
};

void wire_decode_request(const void *buf, size_t len,
                         const struct wire_proto *proto,
                         struct wire_request *out);

/* Decode a reply or notification given as one contiguous buffer. */
void wire_decode_reply(const void *buf, size_t len,
                       const struct wire_req_info *req,
                       const struct wire_proto *proto,
                       struct wire_reply *out);

/* Iterate READDIR / READDIRPLUS entries.  *pos starts at 0; returns false
 * at the end or at the first malformed entry (then *malformed is set). */
struct wire_dirent {
    uint64_t ino;              /* fuse_dirent.ino */
    uint64_t off;              /* fuse_dirent.off: cookie of the next entry */
    uint64_t nodeid;           /* READDIRPLUS: entry_out.nodeid; else 0 */
    uint64_t generation;
    uint32_t type;
    uint32_t attr_mode;        /* READDIRPLUS: entry_out.attr.mode; else 0 */
    uint64_t attr_size;        /* READDIRPLUS: entry_out.attr.size; else 0 */
    const char *name; size_t name_len;
};
bool wire_dirent_next(const uint8_t *buf, size_t len, bool plus, size_t *pos,
                      struct wire_dirent *out, bool *malformed);

/* BATCH_FORGET item i (i < nforgets). */
void wire_forget_item(const struct wire_request *r, uint32_t i,
                      uint64_t *nodeid, uint64_t *nlookup);

/* How many bytes of a request the hot path must keep so that the decoder
 * sees every argument but no file data: the whole message except WRITE and
 * NOTIFY_REPLY payloads, of which only `capture` bytes are kept. */
size_t wire_request_keep(const void *buf, size_t len, size_t capture);

/* Names; NULL for unknown values. */
const char *wire_opcode_name(uint32_t opcode);
const char *wire_notify_name(int32_t code);
/* True if the protocol answers this opcode. */
bool wire_opcode_has_reply(uint32_t opcode);

#endif
