/* ktrace_reader.h — the thread that reads our tracefs instance's per-CPU
 * buffers (libtracefs for the pipes, libtraceevent for the records) and
 * hands each fuse event of our connection to the recorder (rec_kernel).
 *
 * Each pass reads what every CPU's buffer holds, sorts it by timestamp and
 * records it; an idle pass is followed by a 10 ms sleep, so a request the
 * kernel queued is in the recording within ~10 ms plus the writer's commit
 * period.  Every second (and at the end) the instance's loss counters are
 * read: events the buffer could not keep are recorded as lost
 * (rec_kernel_lost), never dropped silently.
 *
 * The connection's device number is reused as soon as a mount goes away,
 * and the events were enabled before our mount existed (to catch its
 * INIT): the first pass keeps our connection's events only from our INIT
 * on — the last INIT queued on that device number before the mount
 * returned — so a previous owner's last events are not taken for ours.
 */
#ifndef FUSETRACE_TRACE_KTRACE_READER_H
#define FUSETRACE_TRACE_KTRACE_READER_H

#include <stddef.h>
#include <stdint.h>

struct tracefs_instance;
struct kt_reader;

/* Start reading `in`.  kdev: our connection (kernel dev_t encoding);
 * begin_ns / mount_done_ns: rec_now_ns() before the mount started and
 * after it returned.  NULL with one line in why. */
struct kt_reader *kt_reader_start(struct tracefs_instance *in, uint32_t kdev, uint64_t begin_ns,
                                  uint64_t mount_done_ns, char *why, size_t cap);

/* Read what is left, record the final loss count, stop the thread, free. */
void kt_reader_stop(struct kt_reader *r);

#endif
