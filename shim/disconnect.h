/* disconnect.h — when the kernel ends the connection: an unmount, or an
 * abort through fusectl (echo 1 > /sys/fs/fuse/connections/N/abort). */
#ifndef FUSETRACE_SHIM_DISCONNECT_H
#define FUSETRACE_SHIM_DISCONNECT_H

#include "shim/fs.h"

/* The kernel ended the connection (read() on /dev/fuse failed with
 * ENODEV): if it was aborted rather than unmounted, say so on stderr and
 * end the recording as incomplete.  Once per session; any thread. */
void session_note_disconnect(struct fs *fs);

#endif
