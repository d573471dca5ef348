/* wire_tap.h — see every message that crosses /dev/fuse, and speak the
 * parts of the protocol libfuse 3.14 cannot.
 *
 * libfuse 3.14's fuse_session_custom_io() lets us replace the read and
 * writev on the device fd, so the recorder sees requests and replies exactly
 * as the kernel does, including those libfuse answers by itself (INIT,
 * ENOSYS for opcodes it lacks, INTERRUPT, FORGET).  A spliced reply (READ
 * data moved from the source file to the device) reaches the splice hook
 * with only a pipe, no header and no bytes to record, so a recorded session
 * never negotiates splice (cli/cmd_mount.c, cli/cmd_record.c); requests are
 * never read by splice (session.c): the read hook must see each one.
 *
 * The tap is installed on every session, recorded or not: the stall
 * watchdog learns from it which thread holds which request (read hook) and
 * when it is answered (write and splice hooks), and the same hooks carry
 * what libfuse 3.14 has no API for (wire/fuse_ext.h):
 *  - INIT reply: FUSE_PASSTHROUGH and max_stack_depth when some open may be
 *    passthrough and the kernel offered it; FUSE_DIRECT_IO_ALLOW_MMAP
 *    whenever the kernel offers it (shared mmap of a direct-I/O file, which
 *    the kernel then serves through the page cache, as natively);
 *  - OPEN/CREATE reply: FOPEN_PASSTHROUGH and the backing id, for the open
 *    the op marked with wire_tap_passthrough_next();
 *  - STATX and TMPFILE requests, which libfuse 3.14 would answer ENOSYS:
 *    handed to libfuse as GETATTR and CREATE (the same argument layouts),
 *    and the ops, which ask wire_tap_original_opcode(), answer them as what
 *    they are.
 * The recording stores the request as the kernel sent it and the reply as
 * the kernel received it, each with the fields the tap changed
 * (wire/tap_edit.h).
 */
#ifndef FUSETRACE_SHIM_WIRE_TAP_H
#define FUSETRACE_SHIM_WIRE_TAP_H

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdint.h>

#include "wire/fuse_ext.h"

struct fs;

/* Install the tap on a mounted session.  0 or -errno. */
int wire_tap_install(struct fs *fs);

/* The next OPEN/CREATE reply this thread writes for `fh` gets
 * FOPEN_PASSTHROUGH and backing_id.  Returns through
 * wire_tap_passthrough_done() whether it did. */
void wire_tap_passthrough_next(uint64_t fh, int32_t backing_id);
bool wire_tap_passthrough_done(void);

/* The opcode the kernel sent for the request this thread serves, when the
 * tap handed libfuse another one (FUSE_EXT_OP_STATX, FUSE_TMPFILE); else 0. */
uint32_t wire_tap_original_opcode(void);
/* STATX: its arguments as the kernel sent them. */
const struct fuse_ext_statx_in *wire_tap_statx_in(void);

#endif
