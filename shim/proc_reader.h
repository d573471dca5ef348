/* proc_reader.h — the only place that reads other processes' /proc
 * entries, on two threads of its own that serve no request.
 *
 * Requests, the connector's thread and the daemon's startup ask them
 * (never waiting) to read a thread's
 *   - identity (/proc/PID/comm, cmdline, stat: name, command line, start
 *     time, for the recorder), on the identity thread.  Such a read may
 *     block — /proc/PID/stat waits while PID is in the middle of an exec
 *     that waits for a FLUSH the mount has not answered yet — and nothing
 *     waits for this thread: the FLUSH is answered by a worker, the exec
 *     completes, the read goes on;
 *   - credentials (/proc/TID/status: parent, supplementary groups,
 *     effective capabilities, for allow_other), on the credentials thread.
 *     status takes no lock that a process holds while it waits for the
 *     mount (measured: proc_reader.c), so a request may wait for this read
 *     a bounded while (pt_wait_creds).
 * Results go to the live table (proc_table.h) and the recorder
 * (rec_proc_identity), which joins them to requests later.
 */
#ifndef FUSETRACE_SHIM_PROC_READER_H
#define FUSETRACE_SHIM_PROC_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "shim/proc_table.h"

/* Start the thread.  scan: also read the credentials of every thread that
 * exists now (allow_other: callers older than the mount). */
int proc_reader_start(bool scan);
/* false: a thread still blocked in a /proc read after a bounded wait was
 * left behind; what it may touch (the process table) must not be freed. */
bool proc_reader_stop(void);

/* Queue a read of thread tid (PT_READ_IDENTITY | PT_READ_CREDS).  Never
 * blocks; when the queue is full the request is dropped (and may be made
 * again).  low: behind every other request (the startup scan). */
void proc_reader_request(uint32_t tid, unsigned what, bool low);

/* Process tgid of interest has exec'd (the connector's image time
 * image_ts): read its new name now — /proc/PID/comm takes only the task's
 * spinlock — and queue a full read, which falls back on that name if the
 * process is gone by its turn (short-lived programs often are). */
void proc_reader_exec(uint32_t tgid, uint64_t image_ts);

/* Read thread tid now, on the calling thread, and report it: only for the
 * daemon's own process (its /proc entries wait for nobody but itself). */
void proc_reader_read_self(void);

/* Parse the fields of a /proc/TID/status text that credentials need. */
bool proc_parse_status(const char *text, struct proc_read_result *out);

#endif
