/* wire_tap.h — see every message that crosses /dev/fuse.
 *
 * libfuse 3.14's fuse_session_custom_io() lets us replace the read and
 * writev on the device fd, so the recorder sees requests and replies exactly
 * as the kernel does, including those libfuse answers by itself (INIT,
 * ENOSYS for opcodes it lacks, INTERRUPT, FORGET).  Splice bypasses these
 * hooks (libfuse splices the device directly), so a tapped session must not
 * negotiate splice: session.c turns it off whenever the tap is installed.
 * The tap is installed when the recorder is on or the stall watchdog runs
 * (the read hook tells the watchdog which thread holds which request).
 */
#ifndef FUSETRACE_SHIM_WIRE_TAP_H
#define FUSETRACE_SHIM_WIRE_TAP_H

#include <fuse_lowlevel.h>

/* Install the tap on a mounted session.  0 or -errno. */
int wire_tap_install(struct fuse_session *se);

#endif
