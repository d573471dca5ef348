/* session.h — one mounted filesystem from source fd to unmount. */
#ifndef FUSETRACE_SHIM_SESSION_H
#define FUSETRACE_SHIM_SESSION_H

#include "shim/fs.h"

/* Open the source (before anything covers it), probe file handles, build the
 * tables.  Prints a clear reason and returns -1 on failure. */
int fs_open(struct fs *fs, const struct fs_config *cfg);
void fs_close(struct fs *fs);

/* Create the FUSE session and mount it; installs the wire tap when the
 * recorder is on.  `fuse_opts`: the user's -o options, comma separated
 * (NULL or "" for none).  `signals`: let SIGINT/SIGTERM/SIGHUP end the session
 * (mount); record handles signals itself. */
int session_mount(struct fs *fs, const char *fuse_opts, bool signals);
/* Serve until unmounted or told to exit.  Returns 0 or -1. */
int session_loop(struct fs *fs);
/* Unmount from another thread while session_loop runs (record). */
void session_request_unmount(struct fs *fs);
/* After session_loop returned: unmount if still mounted, free the session. */
void session_end(struct fs *fs, bool signals);

#endif
