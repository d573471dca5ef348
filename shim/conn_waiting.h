/* conn_waiting.h — the connection's `waiting` count from fusectl, as the
 * counter track "fuse_waiting" (recorder.h: rec_counter), sampled on the
 * watchdog's tick (watchdog.h) while recording.
 *
 * fusectl's `waiting` (fusectl.h) is the number of requests of our
 * connection the kernel holds: queued for the daemon, being served, or
 * allocated and waiting for a background slot (beyond max_background).  So
 * it sees what neither side's events show at a glance, e.g. a pile of
 * background requests.  fusectl is mounted at its place when it is not
 * (root only); without it nothing is sampled, said once on stderr.  A tick
 * that finds the connection gone, or another connection under its number,
 * stops sampling.
 */
#ifndef FUSETRACE_SHIM_CONN_WAITING_H
#define FUSETRACE_SHIM_CONN_WAITING_H

#include <stdbool.h>
#include <stdint.h>

#include "shim/fs.h"

/* The counter track's name. */
#define WAITING_COUNTER "fuse_waiting"

/* Sampler hooks (watchdog.c). */
bool waiting_start(struct fs *fs);
void waiting_tick(struct fs *fs, uint64_t now);
void waiting_finish(struct fs *fs, uint64_t now);

#endif
