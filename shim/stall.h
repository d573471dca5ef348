/* stall.h — the stall detector, a sampler of the watchdog (watchdog.h).
 *
 * A request still held by the daemon --stall after it was read is
 * reported once: a STALL event (recorder.h: rec_stall) naming the thread
 * that holds it, the backing syscall that thread is in (name, arguments,
 * since when, what its fd refers to), that thread's kernel wait channel and,
 * as root, its kernel stack; and one line on stderr.  When the request is
 * no longer held, a STALL_END event and a second line say when and how:
 * its reply was written, the daemon let go of it without a reply, or the
 * session ended first.  What each thread holds and does comes from
 * trace/worker_state.h.  Requests the kernel queued but no thread has read
 * yet are not seen here.
 */
#ifndef FUSETRACE_SHIM_STALL_H
#define FUSETRACE_SHIM_STALL_H

#include <stdbool.h>
#include <stdint.h>

#include "shim/fs.h"

/* Sampler hooks (watchdog.c). */
bool stall_start(struct fs *fs);
void stall_tick(struct fs *fs, uint64_t now);
void stall_finish(struct fs *fs, uint64_t now);

#endif
