/* test_wire_decode.c — the wire decoder on well-formed messages (exact
 * fields, for every opcode it decodes) and on malformed ones (truncations at every length, lying
 * headers, random mutations: must never read out of bounds — run this
 * under -Db_sanitize=address to make that a hard check). */
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/tcheck.h"
#include "wire/wire_decode.h"


static size_t req(uint8_t *buf, uint32_t opcode, uint64_t unique, uint64_t nodeid,
                  const void *args, size_t n)
{
    struct fuse_in_header h = { .len = (uint32_t)(sizeof h + n), .opcode = opcode,
                                .unique = unique, .nodeid = nodeid, .uid = 7, .gid = 8,
                                .pid = 9 };
    memcpy(buf, &h, sizeof h);
    if (n)
        memcpy(buf + sizeof h, args, n);
    return sizeof h + n;
}

static size_t rep(uint8_t *buf, uint64_t unique, int32_t error, const void *body, size_t n)
{
    struct fuse_out_header h = { .len = (uint32_t)(sizeof h + n), .error = error, .unique = unique };
    memcpy(buf, &h, sizeof h);
    if (n)
        memcpy(buf + sizeof h, body, n);
    return sizeof h + n;
}

static void test_requests(void)
{
    uint8_t buf[4096], args[1024];
    struct wire_request r;
    struct wire_proto p = { .minor = 38 };

    size_t n = req(buf, FUSE_LOOKUP, 10, 1, "hello", 6);
    wire_decode_request(buf, n, &p, &r);
    CHECK(r.ok && !r.malformed && r.opcode == FUSE_LOOKUP && r.unique == 10);
    CHECK(r.nodeid == 1 && r.uid == 7 && r.gid == 8 && r.pid == 9);
    CHECK((r.present & WF_NAME) && r.name_len == 5 && memcmp(r.name, "hello", 5) == 0);

    /* name without NUL: kept, flagged */
    n = req(buf, FUSE_LOOKUP, 10, 1, "abc", 3);
    wire_decode_request(buf, n, &p, &r);
    CHECK(r.malformed && r.name_len == 3);

    struct fuse_rename2_in rn = { .newdir = 42, .flags = 1 };
    memcpy(args, &rn, sizeof rn);
    memcpy(args + sizeof rn, "old\0new", 8);
    n = req(buf, FUSE_RENAME2, 12, 5, args, sizeof rn + 8);
    wire_decode_request(buf, n, &p, &r);
    CHECK(!r.malformed && r.nodeid2 == 42 && r.flags == 1);
    CHECK(r.name_len == 3 && memcmp(r.name, "old", 3) == 0);
    CHECK(r.name2_len == 3 && memcmp(r.name2, "new", 3) == 0);

    struct fuse_create_in ci = { .flags = 0101, .mode = 0100644, .umask = 022 };
    memcpy(args, &ci, sizeof ci);
    memcpy(args + sizeof ci, "f", 2);
    n = req(buf, FUSE_CREATE, 14, 1, args, sizeof ci + 2);
    wire_decode_request(buf, n, &p, &r);
    CHECK(!r.malformed && r.flags == 0101 && r.mode == 0100644 && r.umask == 022);
    CHECK(r.name_len == 1 && r.name[0] == 'f');

    struct fuse_write_in wi = { .fh = 3, .offset = 4096, .size = 100 };
    memcpy(args, &wi, sizeof wi);
    memset(args + sizeof wi, 'x', 100);
    n = req(buf, FUSE_WRITE, 16, 2, args, sizeof wi + 100);
    /* the hot path keeps header + write_in + capture bytes */
    CHECK(wire_request_keep(buf, n, 0) == sizeof(struct fuse_in_header) + sizeof wi);
    CHECK(wire_request_keep(buf, n, 10) == sizeof(struct fuse_in_header) + sizeof wi + 10);
    CHECK(wire_request_keep(buf, n, 1000) == n);
    wire_decode_request(buf, sizeof(struct fuse_in_header) + sizeof wi + 10, &p, &r);
    CHECK(!r.malformed && r.fh == 3 && r.offset == 4096 && r.size == 100);
    CHECK(r.data_len == 10 && r.data_claim == 100);

    uint8_t bf[8 + 3 * 16];
    struct fuse_batch_forget_in bi = { .count = 3 };
    memcpy(bf, &bi, sizeof bi);
    for (int i = 0; i < 3; i++) {
        struct fuse_forget_one one = { .nodeid = 100 + i, .nlookup = 1 + i };
        memcpy(bf + 8 + i * 16, &one, 16);
    }
    n = req(buf, FUSE_BATCH_FORGET, 18, 0, bf, sizeof bf);
    wire_decode_request(buf, n, &p, &r);
    CHECK(!r.malformed && r.nforgets == 3);
    uint64_t id, nl;
    wire_forget_item(&r, 2, &id, &nl);
    CHECK(id == 102 && nl == 3);
    /* a count larger than the buffer is clamped */
    bi.count = 1000000;
    memcpy(bf, &bi, sizeof bi);
    n = req(buf, FUSE_BATCH_FORGET, 18, 0, bf, sizeof bf);
    wire_decode_request(buf, n, &p, &r);
    CHECK(r.malformed && r.nforgets == 3 && r.forgets_claim == 1000000);

    struct fuse_interrupt_in ii = { .unique = 20 };
    n = req(buf, FUSE_INTERRUPT, 21, 0, &ii, sizeof ii);
    wire_decode_request(buf, n, &p, &r);
    CHECK(r.target_unique == 20 && (r.present & WF_TARGET_UNIQUE));

    struct fuse_init_in init = { .major = 7, .minor = 41, .max_readahead = 131072,
                                 .flags = FUSE_INIT_EXT | FUSE_ASYNC_READ, .flags2 = 3 };
    n = req(buf, FUSE_INIT, 2, 0, &init, sizeof init);
    wire_decode_request(buf, n, NULL, &r);
    CHECK(r.init_major == 7 && r.init_minor == 41 && r.init_max_readahead == 131072);
    CHECK(r.init_flags == ((uint64_t)3 << 32 | FUSE_INIT_EXT | FUSE_ASYNC_READ));

    /* a header claiming more than the buffer holds */
    n = req(buf, FUSE_MKDIR, 22, 1, "\xed\x01\0\0\x12\0\0\0d", 10);
    ((struct fuse_in_header *)buf)->len = 100000;
    wire_decode_request(buf, n, &p, &r);
    CHECK(r.ok && r.malformed && r.mode == 0755 && r.umask == 022);

    /* shorter than a header */
    wire_decode_request(buf, 10, &p, &r);
    CHECK(!r.ok);

    CHECK(strcmp(wire_opcode_name(52), "STATX") == 0);
    CHECK(strcmp(wire_opcode_name(50), "SYNCFS") == 0);
    CHECK(wire_opcode_name(7) == NULL && wire_opcode_name(99999) == NULL);
    CHECK(!wire_opcode_has_reply(FUSE_FORGET) && wire_opcode_has_reply(FUSE_LOOKUP));
    CHECK(strcmp(wire_notify_name(FUSE_NOTIFY_INVAL_ENTRY), "INVAL_ENTRY") == 0);
}

static void test_replies(void)
{
    uint8_t buf[4096], body[2048];
    struct wire_reply a;
    struct wire_proto p = { .minor = 38 };
    struct wire_req_info lookup = { .opcode = FUSE_LOOKUP };

    struct fuse_entry_out e = { .nodeid = 77, .generation = 3, .entry_valid = 1,
                                .attr_valid = 2, .attr = { .ino = 1234, .size = 99,
                                .mode = 0100644, .uid = 5, .gid = 6 } };
    size_t n = rep(buf, 10, 0, &e, sizeof e);
    wire_decode_reply(buf, n, &lookup, &p, &a);
    CHECK(a.ok && !a.malformed && (a.present & WR_ENTRY) && a.nodeid == 77);
    CHECK(a.generation == 3 && a.attr_ino == 1234 && a.attr_size == 99);
    CHECK(a.attr_mode == 0100644 && a.attr_uid == 5 && a.entry_valid_ns == 1000000000ULL);

    /* the same reply truncated: decoded fields are zeros, flagged */
    wire_decode_reply(buf, 40, &lookup, &p, &a);
    CHECK(a.ok && a.malformed && a.nodeid == 77 && a.attr_ino == 0);

    n = rep(buf, 10, -2, NULL, 0);
    wire_decode_reply(buf, n, &lookup, &p, &a);
    CHECK(a.ok && a.error == -2 && a.present == 0);

    struct { struct fuse_entry_out e; struct fuse_open_out o; } co = { e, { .fh = 9, .open_flags = 2 } };
    struct wire_req_info create = { .opcode = FUSE_CREATE };
    n = rep(buf, 12, 0, &co, sizeof co);
    wire_decode_reply(buf, n, &create, &p, &a);
    CHECK(!a.malformed && a.nodeid == 77 && a.fh == 9 && a.open_flags == 2);

    /* READDIRPLUS with two entries, the second without padding */
    size_t o = 0;
    const char *names[] = { "a", "bcdefghij" };
    for (int i = 0; i < 2; i++) {
        struct fuse_direntplus d = { .entry_out = { .nodeid = 200 + i },
                                     .dirent = { .ino = 5 + i, .off = i + 1,
                                                 .namelen = (uint32_t)strlen(names[i]) } };
        memcpy(body + o, &d, sizeof d);
        memcpy(body + o + sizeof d, names[i], strlen(names[i]));
        o += i == 0 ? (size_t)FUSE_DIRENTPLUS_SIZE(&d) : sizeof d + strlen(names[i]);
    }
    struct wire_req_info rdp = { .opcode = FUSE_READDIRPLUS };
    n = rep(buf, 14, 0, body, o);
    wire_decode_reply(buf, n, &rdp, &p, &a);
    CHECK(!a.malformed && a.count == 2 && a.plus);
    size_t pos = 0;
    bool bad = false;
    struct wire_dirent d;
    CHECK(wire_dirent_next(a.dirents, a.dirents_len, true, &pos, &d, &bad) && d.nodeid == 200);
    CHECK(wire_dirent_next(a.dirents, a.dirents_len, true, &pos, &d, &bad) && d.nodeid == 201
          && d.name_len == 9 && memcmp(d.name, "bcdefghij", 9) == 0);
    CHECK(!wire_dirent_next(a.dirents, a.dirents_len, true, &pos, &d, &bad) && !bad);

    /* namelen lying past the end */
    struct fuse_dirent bd = { .ino = 1, .namelen = 5000 };
    memset(body, 'n', sizeof bd + 4);
    memcpy(body, &bd, sizeof bd);
    n = rep(buf, 16, 0, body, sizeof bd + 4);
    struct wire_req_info rd = { .opcode = FUSE_READDIR };
    wire_decode_reply(buf, n, &rd, &p, &a);
    CHECK(a.malformed && a.count == 0);

    struct fuse_init_out io = { .major = 7, .minor = 38, .max_readahead = 4096,
                                .flags = FUSE_INIT_EXT | FUSE_SETXATTR_EXT, .max_background = 12,
                                .max_write = 131072, .time_gran = 1, .max_pages = 32,
                                .flags2 = 1 };
    struct wire_req_info init = { .opcode = FUSE_INIT };
    n = rep(buf, 2, 0, &io, sizeof io);
    wire_decode_reply(buf, n, &init, NULL, &a);
    CHECK(a.init_minor == 38 && a.init_max_write == 131072 && a.init_max_pages == 32);
    CHECK(a.init_flags == ((uint64_t)1 << 32 | FUSE_INIT_EXT | FUSE_SETXATTR_EXT));

    /* notification: INVAL_ENTRY with a name */
    struct { struct fuse_notify_inval_entry_out o; char name[4]; } ie = { { .parent = 1, .namelen = 3 }, "xyz" };
    n = rep(buf, 0, FUSE_NOTIFY_INVAL_ENTRY, &ie, sizeof ie);
    wire_decode_reply(buf, n, NULL, &p, &a);
    CHECK(a.notify && a.nodeid == 1 && a.name_len == 3 && memcmp(a.name, "xyz", 3) == 0);

    /* READ: bytes come from the header's claim even when data was not kept */
    n = rep(buf, 30, 0, body, 1000);
    struct wire_req_info rdi = { .opcode = FUSE_READ };
    wire_decode_reply(buf, 16 + 8, &rdi, &p, &a);
    CHECK(a.bytes == 1000 && a.data_len == 8);

    struct fuse_getxattr_out go = { .size = 321 };
    struct wire_req_info gx = { .opcode = FUSE_GETXATTR, .size_query = true };
    n = rep(buf, 32, 0, &go, sizeof go);
    wire_decode_reply(buf, n, &gx, &p, &a);
    CHECK(a.bytes == 321);
}

/* The value of extra `key`, or -1 when absent. */
static int64_t xv(const struct wire_extra *x, const char *key)
{
    for (int i = 0; i < x->n; i++)
        if (!strcmp(x->kv[i].key, key))
            return x->kv[i].val;
    return -1;
}

/* One request: arguments `args` (n bytes) after a header. */
static void dec_req(struct wire_request *r, uint32_t opcode, const void *args, size_t n,
                    const struct wire_proto *p)
{
    uint8_t buf[1024];
    size_t len = req(buf, opcode, 40, 3, args, n);
    wire_decode_request(buf, len, p, r);
}

/* Every request decoder (this and the next three functions): each field of
 * the kernel's struct lands where the schema expects it, and nothing is
 * flagged malformed.  Attributes and directory entries. */
static void test_requests_entries(void)
{
    struct wire_proto p = { .minor = 38, .setxattr_ext = true };
    struct wire_request r;
    uint8_t a[512];

    struct fuse_getattr_in ga = { .getattr_flags = FUSE_GETATTR_FH, .fh = 77 };
    dec_req(&r, FUSE_GETATTR, &ga, sizeof ga, &p);
    CHECK(!r.malformed && r.flags == FUSE_GETATTR_FH && (r.present & WF_FH) && r.fh == 77);
    ga.getattr_flags = 0;
    dec_req(&r, FUSE_GETATTR, &ga, sizeof ga, &p);
    CHECK(!(r.present & WF_FH));
    dec_req(&r, FUSE_GETATTR, NULL, 0, &(struct wire_proto){ .minor = 8 });
    CHECK(!r.malformed);       /* no argument before 7.9 */

    struct fuse_setattr_in sa = { .valid = FATTR_MODE | FATTR_SIZE | FATTR_FH | FATTR_UID |
                                  FATTR_GID | FATTR_MTIME | FATTR_LOCKOWNER,
                                  .mode = 0600, .size = 5000, .fh = 8, .uid = 11, .gid = 12,
                                  .mtime = 3, .mtimensec = 4, .lock_owner = 99 };
    dec_req(&r, FUSE_SETATTR, &sa, sizeof sa, &p);
    CHECK(!r.malformed && r.valid == sa.valid && r.mode == 0600 && r.size == 5000 && r.fh == 8);
    CHECK(xv(&r.extra, "uid") == 11 && xv(&r.extra, "gid") == 12);
    CHECK(xv(&r.extra, "mtime_ns") == 3000000004LL && xv(&r.extra, "lock_owner") == 99);
    CHECK(xv(&r.extra, "atime_ns") == -1 && !(r.present & WF_UMASK));

    dec_req(&r, FUSE_SYMLINK, "ln\0target", 10, &p);
    CHECK(!r.malformed && r.name_len == 2 && r.name2_len == 6 && !memcmp(r.name2, "target", 6));

    struct fuse_mknod_in mk = { .mode = 020644, .rdev = 0x0103, .umask = 022 };
    memcpy(a, &mk, sizeof mk);
    memcpy(a + sizeof mk, "dev", 4);
    dec_req(&r, FUSE_MKNOD, a, sizeof mk + 4, &p);
    CHECK(!r.malformed && r.mode == 020644 && r.umask == 022 && xv(&r.extra, "rdev") == 0x0103);
    CHECK(r.name_len == 3);
    /* before 7.12: mode and rdev only, then the name */
    memcpy(a, &mk, FUSE_COMPAT_MKNOD_IN_SIZE);
    memcpy(a + FUSE_COMPAT_MKNOD_IN_SIZE, "dev", 4);
    dec_req(&r, FUSE_MKNOD, a, FUSE_COMPAT_MKNOD_IN_SIZE + 4, &(struct wire_proto){ .minor = 11 });
    CHECK(!r.malformed && r.mode == 020644 && !(r.present & WF_UMASK) && r.name_len == 3);

    struct fuse_link_in li = { .oldnodeid = 55 };
    memcpy(a, &li, sizeof li);
    memcpy(a + sizeof li, "hard", 5);
    dec_req(&r, FUSE_LINK, a, sizeof li + 5, &p);
    CHECK(!r.malformed && r.nodeid2 == 55 && r.name_len == 4);

    struct fuse_rename_in rn = { .newdir = 6 };
    memcpy(a, &rn, sizeof rn);
    memcpy(a + sizeof rn, "a\0b", 4);
    dec_req(&r, FUSE_RENAME, a, sizeof rn + 4, &p);
    CHECK(!r.malformed && r.nodeid2 == 6 && r.name_len == 1 && r.name2_len == 1);

}

/* Opening, reading, releasing, syncing, extended attributes. */
static void test_requests_files(void)
{
    struct wire_proto p = { .minor = 38, .setxattr_ext = true };
    struct wire_request r;
    uint8_t a[512];

    struct fuse_open_in op = { .flags = 02, .open_flags = 1 };
    dec_req(&r, FUSE_OPENDIR, &op, sizeof op, &p);
    CHECK(!r.malformed && r.flags == 02 && xv(&r.extra, "open_flags") == 1);

    struct fuse_read_in rd = { .fh = 4, .offset = 8192, .size = 512, .flags = 0,
                               .read_flags = FUSE_READ_LOCKOWNER, .lock_owner = 17 };
    dec_req(&r, FUSE_READ, &rd, sizeof rd, &p);
    CHECK(!r.malformed && r.fh == 4 && r.offset == 8192 && r.size == 512);
    CHECK(xv(&r.extra, "lock_owner") == 17);
    dec_req(&r, FUSE_READ, &rd, 24, &(struct wire_proto){ .minor = 8 });
    CHECK(!r.malformed && r.size == 512);     /* 24 bytes before 7.9 */

    struct fuse_release_in rl = { .fh = 9, .flags = 1, .release_flags = FUSE_RELEASE_FLOCK_UNLOCK,
                                  .lock_owner = 21 };
    dec_req(&r, FUSE_RELEASEDIR, &rl, sizeof rl, &p);
    CHECK(!r.malformed && r.fh == 9 && r.flags == 1 && xv(&r.extra, "lock_owner") == 21);

    struct fuse_fsync_in fs = { .fh = 10, .fsync_flags = 1 };
    dec_req(&r, FUSE_FSYNCDIR, &fs, sizeof fs, &p);
    CHECK(!r.malformed && r.fh == 10 && r.flags == 1);

    struct fuse_setxattr_in sx = { .size = 3, .flags = 2, .setxattr_flags = 4 };
    memcpy(a, &sx, sizeof sx);
    memcpy(a + sizeof sx, "user.k\0val", 10);
    dec_req(&r, FUSE_SETXATTR, a, sizeof sx + 10, &p);
    CHECK(!r.malformed && r.size == 3 && r.flags == 2 && xv(&r.extra, "setxattr_flags") == 4);
    CHECK(r.name_len == 6 && r.data_len == 3 && !memcmp(r.data, "val", 3));
    /* without FUSE_SETXATTR_EXT the struct is 8 bytes */
    memcpy(a, &sx, FUSE_COMPAT_SETXATTR_IN_SIZE);
    memcpy(a + FUSE_COMPAT_SETXATTR_IN_SIZE, "user.k\0val", 10);
    dec_req(&r, FUSE_SETXATTR, a, FUSE_COMPAT_SETXATTR_IN_SIZE + 10, &(struct wire_proto){ .minor = 38 });
    CHECK(!r.malformed && r.name_len == 6 && r.data_len == 3);

    struct fuse_getxattr_in gx = { .size = 64 };
    dec_req(&r, FUSE_LISTXATTR, &gx, sizeof gx, &p);
    CHECK(!r.malformed && r.size == 64 && !(r.present & WF_NAME));

    struct fuse_flush_in fl = { .fh = 13 };
    dec_req(&r, FUSE_FLUSH, &fl, sizeof fl, &p);
    CHECK(!r.malformed && r.fh == 13);

}

/* Locks, access, tmpfile and the rarer opcodes. */
static void test_requests_locks_and_more(void)
{
    struct wire_proto p = { .minor = 38, .setxattr_ext = true };
    struct wire_request r;
    uint8_t a[512];

    struct fuse_lk_in lk = { .fh = 14, .owner = 15, .lk = { .start = 1, .end = 9, .type = 1, .pid = 16 },
                             .lk_flags = FUSE_LK_FLOCK };
    dec_req(&r, FUSE_SETLKW, &lk, sizeof lk, &p);
    CHECK(!r.malformed && r.fh == 14 && r.lock_type == 1 && r.lock_start == 1 && r.lock_end == 9);
    CHECK(r.lock_pid == 16 && r.flags == FUSE_LK_FLOCK && xv(&r.extra, "owner") == 15);

    struct fuse_access_in ac = { .mask = 4 };
    dec_req(&r, FUSE_ACCESS, &ac, sizeof ac, &p);
    CHECK(!r.malformed && r.mode == 4);

    struct fuse_create_in tf = { .flags = 02, .mode = 0100600, .umask = 077, .open_flags = 8 };
    memcpy(a, &tf, sizeof tf);
    memcpy(a + sizeof tf, "t", 2);
    dec_req(&r, FUSE_TMPFILE, a, sizeof tf + 2, &p);
    CHECK(!r.malformed && r.mode == 0100600 && r.umask == 077 && xv(&r.extra, "open_flags") == 8);

    struct fuse_bmap_in bm = { .block = 7, .blocksize = 4096 };
    dec_req(&r, FUSE_BMAP, &bm, sizeof bm, &p);
    CHECK(!r.malformed && r.offset == 7 && r.size == 4096);

    struct fuse_ioctl_in io = { .fh = 18, .flags = 1, .cmd = 0x5401, .arg = 0x1000, .in_size = 8,
                                .out_size = 16 };
    dec_req(&r, FUSE_IOCTL, &io, sizeof io, &p);
    CHECK(!r.malformed && r.fh == 18 && r.size == 8 && xv(&r.extra, "cmd") == 0x5401);
    CHECK(xv(&r.extra, "arg") == 0x1000 && xv(&r.extra, "out_size") == 16);

    struct fuse_poll_in po = { .fh = 19, .kh = 20, .flags = 1, .events = 5 };
    dec_req(&r, FUSE_POLL, &po, sizeof po, &p);
    CHECK(!r.malformed && r.fh == 19 && xv(&r.extra, "kh") == 20 && xv(&r.extra, "events") == 5);

    struct fuse_notify_retrieve_in nr = { .offset = 100, .size = 4 };
    memcpy(a, &nr, sizeof nr);
    memcpy(a + sizeof nr, "data", 4);
    dec_req(&r, FUSE_NOTIFY_REPLY, a, sizeof nr + 4, &p);
    CHECK(!r.malformed && r.offset == 100 && r.size == 4 && r.data_len == 4);

    struct fuse_fallocate_in fa = { .fh = 22, .offset = 10, .length = 20, .mode = 1 };
    dec_req(&r, FUSE_FALLOCATE, &fa, sizeof fa, &p);
    CHECK(!r.malformed && r.fh == 22 && r.offset == 10 && r.size == 20 && r.mode == 1);

    struct fuse_lseek_in ls = { .fh = 23, .offset = 30, .whence = 3 };
    dec_req(&r, FUSE_LSEEK, &ls, sizeof ls, &p);
    CHECK(!r.malformed && r.fh == 23 && r.offset == 30 && r.flags == 3);

    struct fuse_copy_file_range_in cf = { .fh_in = 24, .off_in = 1, .nodeid_out = 25, .fh_out = 26,
                                          .off_out = 2, .len = 3, .flags = 0 };
    dec_req(&r, FUSE_COPY_FILE_RANGE, &cf, sizeof cf, &p);
    CHECK(!r.malformed && r.fh == 24 && r.offset == 1 && r.nodeid2 == 25 && r.size == 3);
    CHECK(xv(&r.extra, "fh_out") == 26 && xv(&r.extra, "off_out") == 2);

    struct fuse_setupmapping_in sm = { .fh = 27, .foffset = 4, .len = 5, .flags = 1, .moffset = 6 };
    dec_req(&r, FUSE_SETUPMAPPING, &sm, sizeof sm, &p);
    CHECK(!r.malformed && r.fh == 27 && r.offset == 4 && r.size == 5 && xv(&r.extra, "moffset") == 6);

    struct fuse_removemapping_in rm = { .count = 2 };
    dec_req(&r, FUSE_REMOVEMAPPING, &rm, sizeof rm, &p);
    CHECK(!r.malformed && r.size == 2);

    /* fuse_statx_in: getattr_flags, reserved, fh, sx_flags, sx_mask */
    uint32_t st[6] = { FUSE_GETATTR_FH, 0, 28, 0, 0x100, 0x7ff };
    dec_req(&r, WIRE_OP_STATX, st, sizeof st, &p);
    CHECK(!r.malformed && r.fh == 28 && r.flags == 0x100 && xv(&r.extra, "mask") == 0x7ff);

}

/* Name-only and argument-less requests; fixed arguments cut short. */
static void test_requests_names_and_short(void)
{
    struct wire_proto p = { .minor = 38, .setxattr_ext = true };
    struct wire_request r;
    uint8_t a[512];

    dec_req(&r, FUSE_REMOVEXATTR, "user.x", 7, &p);
    CHECK(!r.malformed && r.name_len == 6);
    dec_req(&r, FUSE_READLINK, NULL, 0, &p);
    CHECK(r.ok && !r.malformed && r.present == 0);

    /* every fixed argument struct cut short is flagged, never read past */
    static const uint32_t fixed[] = { FUSE_FORGET, FUSE_SETATTR, FUSE_OPEN, FUSE_FLUSH,
                                      FUSE_SETLK, FUSE_ACCESS, FUSE_FALLOCATE, FUSE_LSEEK,
                                      FUSE_COPY_FILE_RANGE, FUSE_IOCTL, WIRE_OP_STATX };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        memset(a, 0xab, 4);
        dec_req(&r, fixed[i], a, 4, &p);
        CHECK(r.ok && r.malformed && xv(&r.extra, "malformed") == 1);
    }
}

static void dec_rep(struct wire_reply *r, uint32_t opcode, bool size_query, int32_t error,
                    uint64_t unique, const void *body, size_t n)
{
    uint8_t buf[1024];
    struct wire_proto p = { .minor = 38 };
    struct wire_req_info ri = { .opcode = opcode, .size_query = size_query };
    size_t len = rep(buf, unique, error, body, n);
    wire_decode_reply(buf, len, &ri, &p, r);
}

/* Every reply decoder. */
static void test_every_reply(void)
{
    struct wire_reply r;

    struct fuse_open_out oo = { .fh = 31, .open_flags = FOPEN_KEEP_CACHE };
    dec_rep(&r, FUSE_OPENDIR, false, 0, 5, &oo, sizeof oo);
    CHECK(!r.malformed && (r.present & WR_OPEN) && r.fh == 31 && r.open_flags == FOPEN_KEEP_CACHE);

    struct fuse_attr_out ao = { .attr_valid = 2, .attr_valid_nsec = 5,
                                .attr = { .ino = 32, .size = 33, .mode = 040755, .uid = 34, .gid = 35 } };
    dec_rep(&r, FUSE_SETATTR, false, 0, 5, &ao, sizeof ao);
    CHECK(!r.malformed && (r.present & WR_ATTR) && r.attr_ino == 32 && r.attr_size == 33);
    CHECK(r.attr_mode == 040755 && r.attr_uid == 34 && r.attr_gid == 35);
    CHECK(r.attr_valid_ns == 2000000005ULL);

    /* fuse_statx_out: attr_valid, attr_valid_nsec, flags, spare[2], then
     * struct fuse_statx with mask at 32, uid 52, gid 56, mode 60, ino 64,
     * size 72 */
    uint8_t sx[256] = { 0 };
    uint64_t v64 = 3; uint32_t v32 = 7; uint16_t v16 = 0100640;
    memcpy(sx, &v64, 8);
    memcpy(sx + 8, &v32, 4);
    v32 = 0x7ff; memcpy(sx + 32, &v32, 4);
    v32 = 36; memcpy(sx + 52, &v32, 4);
    v32 = 37; memcpy(sx + 56, &v32, 4);
    memcpy(sx + 60, &v16, 2);
    v64 = 38; memcpy(sx + 64, &v64, 8);
    v64 = 39; memcpy(sx + 72, &v64, 8);
    dec_rep(&r, WIRE_OP_STATX, false, 0, 5, sx, 256);
    CHECK(!r.malformed && r.attr_valid_ns == 3000000007ULL && r.attr_uid == 36 && r.attr_gid == 37);
    CHECK(r.attr_mode == 0100640 && r.attr_ino == 38 && r.attr_size == 39 && xv(&r.extra, "mask") == 0x7ff);

    dec_rep(&r, FUSE_READLINK, false, 0, 5, "/target", 7);
    CHECK(r.bytes == 7 && r.name_len == 7 && !memcmp(r.name, "/target", 7));

    struct fuse_write_out wo = { .size = 4096 };
    dec_rep(&r, FUSE_COPY_FILE_RANGE, false, 0, 5, &wo, sizeof wo);
    CHECK(!r.malformed && r.bytes == 4096 && (r.present & WR_BYTES));

    struct fuse_statfs_out so = { .st = { .blocks = 40, .bfree = 41, .bavail = 42, .files = 43,
                                          .ffree = 44, .bsize = 45, .namelen = 255, .frsize = 46 } };
    dec_rep(&r, FUSE_STATFS, false, 0, 5, &so, sizeof so);
    CHECK(!r.malformed && xv(&r.extra, "blocks") == 40 && xv(&r.extra, "ffree") == 44);
    CHECK(xv(&r.extra, "namelen") == 255 && xv(&r.extra, "frsize") == 46);

    dec_rep(&r, FUSE_LISTXATTR, false, 0, 5, "a\0bc\0", 5);
    CHECK(r.bytes == 5);

    struct fuse_lk_out lo = { .lk = { .start = 47, .end = 48, .type = 1, .pid = 49 } };
    dec_rep(&r, FUSE_GETLK, false, 0, 5, &lo, sizeof lo);
    CHECK(!r.malformed && xv(&r.extra, "lock_type") == 1 && xv(&r.extra, "lock_start") == 47);
    CHECK(xv(&r.extra, "lock_end") == 48 && xv(&r.extra, "lock_pid") == 49);

    struct fuse_bmap_out bo = { .block = 50 };
    dec_rep(&r, FUSE_BMAP, false, 0, 5, &bo, sizeof bo);
    CHECK(xv(&r.extra, "block") == 50);

    struct { struct fuse_ioctl_out o; char data[8]; } io = { { .result = 51, .flags = 2, .in_iovs = 1,
                                                               .out_iovs = 3 }, "abcdefg" };
    dec_rep(&r, FUSE_IOCTL, false, 0, 5, &io, sizeof io);
    CHECK(!r.malformed && xv(&r.extra, "result") == 51 && xv(&r.extra, "out_iovs") == 3 && r.bytes == 8);

    struct fuse_poll_out pl = { .revents = 5 };
    dec_rep(&r, FUSE_POLL, false, 0, 5, &pl, sizeof pl);
    CHECK(xv(&r.extra, "revents") == 5);

    struct fuse_lseek_out lso = { .offset = 52 };
    dec_rep(&r, FUSE_LSEEK, false, 0, 5, &lso, sizeof lso);
    CHECK(xv(&r.extra, "offset") == 52);

    /* a reply body cut short is flagged */
    dec_rep(&r, FUSE_GETLK, false, 0, 5, &lo, 4);
    CHECK(r.malformed && xv(&r.extra, "malformed") == 1);

}

/* Every notification decoder. */
static void test_notifications(void)
{
    struct wire_reply r;

    /* unique 0, the code in the error field */
    struct fuse_notify_poll_wakeup_out pw = { .kh = 53 };
    dec_rep(&r, 0, false, FUSE_NOTIFY_POLL, 0, &pw, sizeof pw);
    CHECK(r.notify && xv(&r.extra, "kh") == 53);

    struct fuse_notify_inval_inode_out ii = { .ino = 54, .off = 55, .len = 56 };
    dec_rep(&r, 0, false, FUSE_NOTIFY_INVAL_INODE, 0, &ii, sizeof ii);
    CHECK(r.notify && r.nodeid == 54 && r.offset == 55 && r.size == 56);

    struct { struct fuse_notify_delete_out o; char name[4]; } de = { { .parent = 57, .child = 58,
                                                                       .namelen = 3 }, "del" };
    dec_rep(&r, 0, false, FUSE_NOTIFY_DELETE, 0, &de, sizeof de);
    CHECK(r.notify && r.nodeid == 57 && r.nodeid2 == 58 && r.name_len == 3 && !memcmp(r.name, "del", 3));
    de.o.namelen = 100;            /* a name longer than the message */
    dec_rep(&r, 0, false, FUSE_NOTIFY_DELETE, 0, &de, sizeof de);
    CHECK(r.malformed && r.name_len == sizeof de - sizeof de.o);   /* what the message holds */

    struct { struct fuse_notify_store_out o; char data[4]; } ns = { { .nodeid = 59, .offset = 60,
                                                                      .size = 4 }, "abcd" };
    dec_rep(&r, 0, false, FUSE_NOTIFY_STORE, 0, &ns, sizeof ns);
    CHECK(r.nodeid == 59 && r.offset == 60 && r.size == 4 && r.data_len == 4);

    struct fuse_notify_retrieve_out nr = { .notify_unique = 61, .nodeid = 62, .offset = 63, .size = 64 };
    dec_rep(&r, 0, false, FUSE_NOTIFY_RETRIEVE, 0, &nr, sizeof nr);
    CHECK(r.notify_unique == 61 && r.nodeid == 62 && r.offset == 63 && r.size == 64);

    /* a notification cut short says so through `malformed` only (a reply
     * cut short also gets the "malformed" extra, below) */
    dec_rep(&r, 0, false, FUSE_NOTIFY_RETRIEVE, 0, &nr, 4);
    CHECK(r.malformed && xv(&r.extra, "malformed") == -1);
}

/* Random and mutated input: nothing may crash, and decoded lengths must
 * stay inside the buffer. */
static void test_fuzz(void)
{
    uint8_t buf[512];
    unsigned seed = 12345;
    struct wire_proto protos[] = { { 0, false }, { 38, true }, { 8, false } };
    for (int iter = 0; iter < 300000; iter++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rand_r(&seed);
        /* Bias towards plausible headers so the per-opcode code runs. */
        if (len >= 40 && (iter & 1)) {
            uint32_t op = (uint32_t)(rand_r(&seed) % 54);
            memcpy(buf + 4, &op, 4);
            uint32_t l = rand_r(&seed) % 3 ? (uint32_t)len : (uint32_t)rand_r(&seed);
            memcpy(buf, &l, 4);
        }
        uint8_t *copy = malloc(len ? len : 1);   /* exact size: ASan sees overreads */
        memcpy(copy, buf, len);
        const struct wire_proto *pp = &protos[iter % 3];
        struct wire_request r;
        wire_decode_request(copy, len, pp, &r);
        if (r.name)
            CHECK((const uint8_t *)r.name >= copy && (const uint8_t *)r.name + r.name_len <= copy + len);
        if (r.name2)
            CHECK((const uint8_t *)r.name2 >= copy && (const uint8_t *)r.name2 + r.name2_len <= copy + len);
        if (r.data)
            CHECK(r.data + r.data_len <= copy + len);
        if (r.forgets)
            CHECK(r.forgets + (size_t)r.nforgets * 16 <= copy + len);
        for (uint32_t i = 0; i < r.nforgets && i < 4; i++) {
            uint64_t a, b;
            wire_forget_item(&r, i, &a, &b);
        }
        CHECK(wire_request_keep(copy, len, (size_t)(iter % 64)) <= len);

        struct wire_req_info info = { .opcode = (uint32_t)(iter % 54), .size_query = iter & 2 };
        struct wire_reply a;
        wire_decode_reply(copy, len, &info, pp, &a);
        if (a.name)
            CHECK((const uint8_t *)a.name + a.name_len <= copy + len);
        if (a.data)
            CHECK(a.data + a.data_len <= copy + len);
        if (a.dirents) {
            CHECK(a.dirents + a.dirents_len <= copy + len);
            size_t pos = 0;
            bool bad = false;
            struct wire_dirent d;
            while (wire_dirent_next(a.dirents, a.dirents_len, a.plus, &pos, &d, &bad))
                CHECK((const uint8_t *)d.name + d.name_len <= copy + len);
        }
        free(copy);
    }
}

int main(void)
{
    test_requests();
    test_replies();
    test_requests_entries();
    test_requests_files();
    test_requests_locks_and_more();
    test_requests_names_and_short();
    test_every_reply();
    test_notifications();
    test_fuzz();
    return tcheck_done("wire-decode");
}
