/* watchdog.h — a thread of its own that looks at the mount every tick.
 *
 * It never serves a request, so whatever it reads (our own /proc/self
 * entries, the state other threads publish) can take its time without any
 * caller waiting on it.  What it does each tick is a list of samplers in
 * watchdog.c: the stall detector (stall.h) and the connection's `waiting`
 * count (conn_waiting.h); another sampler is one more line in that list.  It starts with the mount and stops when the
 * session ends, before the recording is closed, so that what the samplers
 * record at the end (a stall still open) is in the recording.
 */
#ifndef FUSETRACE_SHIM_WATCHDOG_H
#define FUSETRACE_SHIM_WATCHDOG_H

#include "shim/fs.h"

/* Every sampler runs this often. */
#define WATCHDOG_TICK_NS (100ULL * 1000 * 1000)

/* Start the samplers this mount wants and, if any does, the thread.
 * Returns 0, or -1 after printing why. */
int watchdog_start(struct fs *fs);
/* Stop the thread (if running) and let each sampler finish.  Idempotent. */
void watchdog_stop(struct fs *fs);

#endif
