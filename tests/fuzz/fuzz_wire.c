/* fuzz_wire.c — libFuzzer harness for the wire-protocol decoder
 * (wire/wire_decode.h) and the in-flight unique -> opcode pairing that the
 * recorder's ingest keeps beside it (util/u64map.h).
 *
 * Input: a stream of frames.  Each frame is
 *     u8  kind   (bit 0: 0 = request as read from /dev/fuse, 1 = reply
 *                 as written; bit 1: decode the reply with opcode 0)
 *     u16 length (little endian, clamped to what is left)
 *     length bytes of message
 * Requests are decoded with the current protocol state, their uniques put
 * in the in-flight map (with the GETXATTR/LISTXATTR size-query bit) exactly
 * as trace/rec_ingest.c does; replies take the opcode from the map (or
 * INTERRUPT for an odd unique), are decoded, and an INIT reply updates the
 * protocol state (minor, setxattr_ext).  Every decoded pointer is touched
 * over its whole claimed length (ASan catches reads past the buffer), the
 * READDIR entries, BATCH_FORGET items and wire_request_keep are exercised.
 * Each message is copied into a buffer of exactly its length so that any
 * overread is out of bounds. */
#include <linux/fuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/u64map.h"
#include "wire/wire_decode.h"

static volatile uint8_t sink;

static void touch(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc ^= b[i];
    sink ^= acc;
}

static void check_request(const struct wire_request *r, const uint8_t *buf, size_t len)
{
    if (!r->ok)
        return;
    if (r->present & WF_NAME)
        touch(r->name, r->name_len);
    if (r->present & WF_NAME2)
        touch(r->name2, r->name2_len);
    if (r->present & WF_DATA)
        touch(r->data, r->data_len);
    if ((r->present & WF_FORGETS) && r->forgets) {
        for (uint32_t i = 0; i < r->nforgets; i++) {
            uint64_t n, l;
            wire_forget_item(r, i, &n, &l);
            sink ^= (uint8_t)(n ^ l);
        }
    }
    for (int i = 0; i < r->extra.n && i < WIRE_MAX_EXTRA; i++)
        if (r->extra.kv[i].key)
            touch(r->extra.kv[i].key, strlen(r->extra.kv[i].key));
    const char *name = wire_opcode_name(r->opcode);
    if (name)
        touch(name, strlen(name));
    size_t keep = wire_request_keep(buf, len, 64);
    if (keep > len)
        abort();   /* never asks to keep more than there is */
}

static void check_reply(const struct wire_reply *a)
{
    if (!a->ok)
        return;
    if (a->name)
        touch(a->name, a->name_len);
    if (a->data)
        touch(a->data, a->data_len);
    if ((a->present & WR_DIRENTS) && a->dirents) {
        size_t pos = 0;
        struct wire_dirent d;
        bool malformed = false;
        unsigned guard = 0;
        while (wire_dirent_next(a->dirents, a->dirents_len, a->plus, &pos, &d, &malformed)) {
            touch(d.name, d.name_len);
            if (pos > a->dirents_len || ++guard > 1000000)
                abort();   /* must advance within the buffer, and end */
        }
    }
    for (int i = 0; i < a->extra.n && i < WIRE_MAX_EXTRA; i++)
        if (a->extra.kv[i].key)
            touch(a->extra.kv[i].key, strlen(a->extra.kv[i].key));
    if (a->notify) {
        const char *n = wire_notify_name(a->error);
        if (n)
            touch(n, strlen(n));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wire_proto proto = { 0 };
    struct rmap inflight = { 0 };
    size_t pos = 0;
    while (pos + 3 <= size) {
        uint8_t kind = data[pos];
        size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        uint8_t *msg = malloc(len ? len : 1);
        if (!msg)
            break;
        memcpy(msg, data + pos, len);
        pos += len;

        if (!(kind & 1)) {
            struct wire_request r;
            wire_decode_request(msg, len, &proto, &r);
            check_request(&r, msg, len);
            if (r.ok && wire_opcode_has_reply(r.opcode) && inflight.n < 65536) {
                bool sq = (r.opcode == FUSE_GETXATTR || r.opcode == FUSE_LISTXATTR) && r.size == 0;
                rmap_put(&inflight, r.unique, r.opcode | ((uint64_t)sq << 32));
            }
        } else {
            struct wire_req_info info = { 0 };
            uint64_t unique = 0, v;
            if (len >= sizeof(struct fuse_out_header))
                memcpy(&unique, msg + offsetof(struct fuse_out_header, unique), sizeof unique);
            if (!(kind & 2) && unique && rmap_del(&inflight, unique, &v)) {
                info.opcode = (uint32_t)v;
                info.size_query = (v >> 32) & 1;
            }
            if (!info.opcode && (unique & WIRE_INT_REQ_BIT))
                info.opcode = FUSE_INTERRUPT;
            if (kind & 4)   /* also try the opcode the fuzzer names, unpaired */
                info.opcode = kind >> 3;
            struct wire_reply a;
            wire_decode_reply(msg, len, &info, &proto, &a);
            check_reply(&a);
            if (a.ok && !a.notify && info.opcode == FUSE_INIT && (a.present & WF_INIT)) {
                proto.minor = a.init_minor;
                proto.setxattr_ext = a.init_minor >= 33 && (a.init_flags & FUSE_SETXATTR_EXT);
            }
        }
        free(msg);
    }
    rmap_free(&inflight);
    return 0;
}
