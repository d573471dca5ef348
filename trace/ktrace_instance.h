/* ktrace_instance.h — the daemon's own tracefs instance (see ktrace.h).
 *
 * Everything here touches only instances/fusetrace-PID (ours) and, when
 * cleaning up, instances named fusetrace-PID whose daemon is gone.  The
 * top-level buffer and other instances are never written.
 */
#ifndef FUSETRACE_TRACE_KTRACE_INSTANCE_H
#define FUSETRACE_TRACE_KTRACE_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

struct tracefs_instance;

/* The instance of daemon `pid`: "fusetrace-PID". */
void kt_instance_name(char *buf, size_t cap, long pid);

/* Is the kernel side recordable here: tracefs mounted (mounted now if it
 * was not and we may), readable and writable by us, with both fuse
 * events?  0, or -1 with one line in why. */
int kt_available(char *why, size_t cap);

/* Remove every instances/fusetrace-PID whose daemon no longer runs (that
 * pid is gone, or was recycled by a process started after the instance
 * was made, or is ours: an instance named after us cannot be ours yet).
 * Returns how many were removed. */
int kt_remove_stale(void);

/* Create our instance: trace_clock mono, a per-CPU buffer of
 * KT_BUFFER_TOTAL_KB / CPUs (at least 256 KiB, at most 4 MiB), new events
 * dropped (and counted) rather than old ones overwritten when it is full,
 * both fuse events enabled without a filter.  NULL with one line in why. */
struct tracefs_instance *kt_create(char *why, size_t cap);
#define KT_BUFFER_TOTAL_KB 16384
/* For the tests: this many KiB per CPU instead. */
#define KT_BUFFER_ENV "FUSETRACE_TEST_KTRACE_BUFFER_KB"

/* Keep only the events of connection `kdev` (the kernel's dev_t encoding:
 * major << 20 | minor).  0, or -1 with why. */
int kt_filter(struct tracefs_instance *in, uint32_t kdev, char *why, size_t cap);

/* Stop the events (what the buffers hold stays readable). */
void kt_disable(struct tracefs_instance *in);

/* Events the instance's buffers could not keep so far (dropped because
 * full, plus any overwritten), summed over CPUs. */
uint64_t kt_lost(struct tracefs_instance *in);

/* Remove the instance (events stop with it) and free the handle. */
void kt_destroy(struct tracefs_instance *in);

#endif
