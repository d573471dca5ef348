/* disconnect.h — when the kernel ends the connection: an unmount, or an
 * abort through fusectl (echo 1 > /sys/fs/fuse/connections/N/abort). */
#ifndef FUSETRACE_SHIM_DISCONNECT_H
#define FUSETRACE_SHIM_DISCONNECT_H

#include "shim/fs.h"

/* The kernel ended the connection (read() on /dev/fuse failed with
 * ENODEV): if it was aborted rather than unmounted, say so on stderr and
 * end the recording as incomplete.  Once per session; any thread. */
void session_note_disconnect(struct fs *fs);

/* Before we unmount the session ourselves (record, when its command has
 * ended): if the kernel has already ended the connection, note it now,
 * while our mount is still there to tell an abort by, instead of leaving
 * it to the thread that reads /dev/fuse, which may see the end only after
 * our unmount and would then take the abort for that unmount. */
void session_note_if_disconnected(struct fs *fs);

#endif
