/* tap_edit.c — see tap_edit.h. */
#include "wire/tap_edit.h"

#include <stdio.h>

static const struct {
    uint32_t bit;
    const char *text;
} names[] = {
    { WIRE_TAP_INIT_PASSTHROUGH, "flags2+PASSTHROUGH" },
    { WIRE_TAP_INIT_STACK_DEPTH, "max_stack_depth" },
    { WIRE_TAP_INIT_ALLOW_MMAP, "flags2+DIRECT_IO_ALLOW_MMAP" },
    { WIRE_TAP_OPEN_PASSTHROUGH, "open_flags+PASSTHROUGH" },
    { WIRE_TAP_OPEN_BACKING_ID, "backing_id" },
    { WIRE_TAP_REQ_STATX_AS_GETATTR, "opcode:STATX->GETATTR" },
    { WIRE_TAP_REQ_TMPFILE_AS_CREATE, "opcode:TMPFILE->CREATE" },
};

size_t wire_tap_edit_text(uint32_t edits, char *buf, size_t len)
{
    size_t o = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(edits & names[i].bit) || o >= len)
            continue;
        int n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", names[i].text);
        if (n < 0)
            break;
        o += (size_t)n < len - o ? (size_t)n : len - o - 1;
    }
    return o;
}
