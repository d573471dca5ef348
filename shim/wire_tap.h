/* wire_tap.h — see every message that crosses /dev/fuse.
 *
 * libfuse 3.14's fuse_session_custom_io() lets us replace the read and
 * writev on the device fd, so the recorder sees requests and replies exactly
 * as the kernel does, including those libfuse answers by itself (INIT,
 * ENOSYS for opcodes it lacks, INTERRUPT, FORGET).  A spliced reply (READ
 * data moved from the source file to the device) reaches the splice hook
 * with only a pipe, no header and no bytes to record, so a recorded session
 * never negotiates splice (cli/cmd_mount.c, cli/cmd_record.c); requests are
 * never spliced (SPLICE_READ is never wanted, session.c).
 * The tap is installed when the recorder is on or the stall watchdog runs
 * (the read hook tells the watchdog which thread holds which request, the
 * write and splice hooks when it is answered).
 */
#ifndef FUSETRACE_SHIM_WIRE_TAP_H
#define FUSETRACE_SHIM_WIRE_TAP_H

#include <fuse_lowlevel.h>

/* Install the tap on a mounted session.  0 or -errno. */
int wire_tap_install(struct fuse_session *se);

#endif
