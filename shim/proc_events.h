/* proc_events.h — the kernel's process events connector.
 *
 * Process identity and ancestry come from the kernel as they happen:
 * netlink NETLINK_CONNECTOR, group CN_IDX_PROC, after PROC_CN_MCAST_LISTEN,
 * reports every fork (with the forking task), exec, exit (with the wait
 * status), uid/gid change and prctl rename of the machine, stamped with
 * CLOCK_MONOTONIC.  One thread of its own reads them, keeps the live table
 * (proc_table.h) and hands those of processes the recording is interested
 * in to the recorder (rec_proc_event).  The subscription is made before the
 * mount is served, so every process that can call the mount either existed
 * before (and is read from /proc asynchronously, proc_reader.h) or is
 * reported forking.
 *
 * It needs CAP_NET_ADMIN and the initial user and pid namespaces.  Without
 * it (or after the kernel dropped events because we fell behind: ENOBUFS)
 * the daemon says so once on stderr and uses only the asynchronous path.
 */
#ifndef FUSETRACE_SHIM_PROC_EVENTS_H
#define FUSETRACE_SHIM_PROC_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Subscribe, describe the daemon itself, start the thread.  creds: the
 * mount switches credentials per request (allow_other as root), so uid/gid
 * changes matter.  Never fails: without the connector it says why. */
void proc_events_start(bool creds);
void proc_events_stop(void);
bool proc_events_active(void);

/* Wait (at most timeout_ns) until every event the kernel queued before the
 * call has been applied to the live table.  Waits for the connector's
 * thread only, which never waits for a caller.  false: timed out or no
 * connector. */
bool proc_events_sync(uint64_t timeout_ns);

/* `record`'s COMMAND was forked as `pid`: it and what it runs are what the
 * recording is about (call before the child proceeds to exec). */
void proc_events_command(pid_t pid);

#endif
