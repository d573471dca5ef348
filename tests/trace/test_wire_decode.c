/* test_wire_decode.c — the wire decoder on well-formed messages (exact
 * fields) and on malformed ones (truncations at every length, lying
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
    test_fuzz();
    return tcheck_done("wire-decode");
}
