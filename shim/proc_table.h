/* proc_table.h — what the daemon knows, live, about the machine's
 * processes and threads, for the threads that serve requests.
 *
 * A FUSE request names its caller by thread id only.  Whatever else a
 * request needs to know about its caller (supplementary groups and
 * capabilities for allow_other credentials, whether the recorder has been
 * told who it is) is looked up here, never read from /proc/<caller> on the
 * serving thread: an exec holds locks that /proc/PID/stat, wchan, io,
 * environ, maps, exe, cwd and stack take while it waits for the FLUSH of
 * its close-on-exec files, and the thread that would serve that FLUSH must
 * not wait for the exec (measured on 6.18; see proc_reader.c).
 *
 * Who fills it:
 *   - proc_events.c (the kernel's process events connector, one thread):
 *     forks (a child starts with its parent's groups and capabilities),
 *     execs (capabilities may change: stale until read again), uid/gid
 *     changes (groups may have changed: stale), exits;
 *   - proc_reader.c (the identity thread): what /proc says, for processes
 *     older than the connector, after exec and uid/gid changes, and for
 *     any thread the connector did not describe.
 * Lookups take a read lock held for a hash lookup and a copy, never across
 * a system call.
 */
#ifndef FUSETRACE_SHIM_PROC_TABLE_H
#define FUSETRACE_SHIM_PROC_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_GROUPS_MAX 64

/* Credentials of one thread, as far as known. */
struct proc_creds {
    bool groups_known;         /* groups: exact (inherited at fork or read) */
    bool caps_known;           /* cap_eff: read since the last exec or uid change */
    uint32_t ngroups;
    gid_t groups[PROC_GROUPS_MAX];
    uint64_t cap_eff;
};

/* What the identity thread read about one thread (proc_reader.c). */
struct proc_read_result {
    uint32_t tid, tgid, ppid;
    bool have_creds;           /* groups and capabilities below are valid */
    uint32_t ngroups;          /* beyond PROC_GROUPS_MAX: groups unknown */
    gid_t groups[PROC_GROUPS_MAX];
    uint64_t cap_eff;
    bool described;            /* the image's identity went to the recorder */
    uint64_t image_ts;         /* the image it describes (connector time) */
    bool done;                 /* the identity read asked for is complete */
};

void proc_table_init(void);
void proc_table_free(void);

/* Whether the connector reports forks and execs (proc_events.c); without
 * it a thread's identity is read again now and then to notice an exec. */
void pt_set_connector(bool active);

/* ---- connector side (proc_events.c); each returns whether the process is
 * of interest to the recording (its events go to the recorder) -------- */

/* *want_identity: the child (and so its parent's program) should be read. */
bool pt_fork(uint32_t ptid, uint32_t ptgid, uint32_t tid, uint32_t tgid, uint64_t ts,
             bool *want_identity);
/* Returns interest; *want_identity: the new image should be read;
 * *want_creds (creds: the mount switches credentials): its credentials. */
bool pt_exec(uint32_t tid, uint32_t tgid, uint64_t ts, bool creds, bool *want_identity,
             bool *want_creds);
/* uid/gid changed: groups and capabilities stale.  *want_creds: re-read. */
void pt_ids_changed(uint32_t tid, uint32_t tgid, bool *want_creds);
bool pt_exit(uint32_t tid, uint32_t tgid);
bool pt_interesting(uint32_t tgid);

/* The image a process runs now (connector time of its fork/exec); 0 if
 * it began before the connector listened or is unknown.  *forked (may be
 * NULL): the image began with a fork (no exec reported since). */
uint64_t pt_image_ts(uint32_t tgid, bool *forked);

/* Mark a process of interest (`record`'s COMMAND, the daemon itself). */
void pt_mark_interesting(uint32_t tgid);

/* ---- request side (serving threads; never blocks) ---------------------- */

/* A request of thread tid was read: the process becomes of interest.
 * Returns which of `want` (PT_READ_*) the identity thread should read
 * about it now, 0 if nothing (known, or a read is already queued); the
 * caller queues it (proc_reader_request). */
#define PT_READ_IDENTITY 1u
#define PT_READ_CREDS    2u
unsigned pt_note_request(uint32_t tid, unsigned want);

/* Forget thread tid's capabilities (capset(2) changes them silently);
 * true if a credentials read must be queued. */
bool pt_caps_refresh(uint32_t tid);

/* Credentials of thread tid; false if the thread is unknown. */
bool pt_creds(uint32_t tid, struct proc_creds *out);

/* Wait at most timeout_ns for a queued credentials read of thread tid
 * (the credentials thread reads only /proc/TID/status, which takes no lock
 * that a process holds while it waits for the mount; proc_reader.c).
 * true with *out filled when its groups (groups) or capabilities are
 * known. */
bool pt_wait_creds(uint32_t tid, uint64_t timeout_ns, bool groups, struct proc_creds *out);

/* ---- identity thread side (proc_reader.c) ---------------------------- */

/* Whether tgid's identity is known (described to the recorder). */
bool pt_described(uint32_t tgid);
void pt_apply_read(const struct proc_read_result *r);
/* A queued read (PT_READ_*) was dropped (queue full, thread gone): allow
 * it to be asked again. */
void pt_read_dropped(uint32_t tid, unsigned what);

/* Counters for the session's report and tests. */
struct pt_stats {
    uint64_t threads, processes;
};
void pt_stats(struct pt_stats *out);

#endif
