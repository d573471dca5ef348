/* tap_edit.h — the fields of a message the wire tap (shim/wire_tap.c) may
 * change on its way between the kernel and libfuse 3.14, which has no API
 * for them.  A recording stores the bytes as the kernel sent them (requests)
 * or received them (replies), and these bits say which fields the tap
 * changed (request.tap_edit, reply.tap_edit).
 */
#ifndef FUSETRACE_WIRE_TAP_EDIT_H
#define FUSETRACE_WIRE_TAP_EDIT_H

#include <stddef.h>
#include <stdint.h>

enum {
    /* INIT reply */
    WIRE_TAP_INIT_PASSTHROUGH = 1u << 0,   /* flags2 bit 5 (FUSE_PASSTHROUGH) set */
    WIRE_TAP_INIT_STACK_DEPTH = 1u << 1,   /* max_stack_depth (bytes 36..39 of fuse_init_out) set */
    WIRE_TAP_INIT_ALLOW_MMAP = 1u << 2,    /* flags2 bit 4 (FUSE_DIRECT_IO_ALLOW_MMAP) set */
    /* OPEN / CREATE / TMPFILE reply */
    WIRE_TAP_OPEN_PASSTHROUGH = 1u << 3,   /* open_flags FOPEN_PASSTHROUGH set */
    WIRE_TAP_OPEN_BACKING_ID = 1u << 4,    /* backing_id (bytes 12..15 of fuse_open_out) set */
    /* requests: libfuse 3.14 was handed another opcode, the reply built by the shim */
    WIRE_TAP_REQ_STATX_AS_GETATTR = 1u << 8,   /* STATX (52) given to libfuse as GETATTR (same argument prefix) */
    WIRE_TAP_REQ_TMPFILE_AS_CREATE = 1u << 9,  /* TMPFILE (51) given to libfuse as CREATE (same layout) */
};

/* "flags2+PASSTHROUGH max_stack_depth" ...: a space-separated list of the
 * changed fields, into buf (always NUL-terminated).  Returns its length. */
size_t wire_tap_edit_text(uint32_t edits, char *buf, size_t len);

#endif
