/* rec_process.h — process attribution.
 *
 * A request carries only a pid.  The process behind it is identified by
 * (pid, start time) — /proc/PID/stat field 22 — so that a recycled pid
 * never merges two processes — and described by its command name and
 * command line.
 *
 * Where: a synchronous request's caller is blocked in its syscall until we
 * reply, so it is certainly alive while the worker thread handles the
 * request; by the time the writer thread gets to the request a short-lived
 * process (a compiler run by make) may be gone.  The hot path therefore
 * reads /proc itself, once per pid per thread per second (a small
 * thread-local cache; /proc files are in memory, no lock is held), and
 * sends the identity to the writer as a record.  The writer keeps the
 * pid -> surrogate id map, assigns a new id when the start time changes
 * (a recycled pid) or the command name does (an execve), and only reads
 * /proc itself for a pid no record described (drop mode).
 *
 * Deadlock rule: reading /proc/PID/cmdline takes the target's mmap lock.
 * A READ (or WRITE) request may come from a page fault of that process
 * while it holds its mmap lock, and another of its threads may be queued
 * for the lock in write mode: reading cmdline then would wait for a reply
 * we have not sent.  So identities are only taken on requests that cannot
 * come from a fault (see rec_hotpath.c), and the writer's fallback reads
 * stat and comm, which do not take the mmap lock, but never cmdline.
 */
#ifndef FUSETRACE_TRACE_REC_PROCESS_H
#define FUSETRACE_TRACE_REC_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "trace/rec_event.h"   /* PROC_COMM_MAX, PROC_CMDLINE_MAX */
#include "util/u64map.h"


/* What /proc says about a process. */
struct proc_ident {
    uint32_t pid;
    int64_t start_time;        /* clock ticks after boot, -1 if unknown */
    char comm[PROC_COMM_MAX];
    char cmdline[PROC_CMDLINE_MAX];
    bool have_comm, have_cmdline;
};

/* Read /proc/PID/{stat,comm} and, when with_cmdline, cmdline (root is
 * "/proc" outside tests).  Returns false when the process is gone. */
bool proc_read(const char *root, uint32_t pid, bool with_cmdline, struct proc_ident *out);

/* Parse field 22 (starttime) of a /proc/PID/stat line; -1 if malformed.
 * comm may contain spaces and parentheses. */
int64_t proc_parse_starttime(const char *stat, size_t len);

/* ---- writer side ---------------------------------------------------------- */

struct proc_cache {
    struct rmap by_pid;        /* pid -> struct proc_entry * */
    int64_t next_id;
    const char *proc_root;
};

void proc_cache_init(struct proc_cache *c);
void proc_cache_free(struct proc_cache *c);

/* An identity reported by the hot path.  Returns the surrogate id; *is_new
 * says whether it is a process not seen before (store it). */
int64_t proc_note(struct proc_cache *c, const struct proc_ident *id, bool *is_new);

/* Surrogate id for a request's pid (0 for pid 0).  A pid nobody described
 * is read from /proc now, without its command line (*fresh filled,
 * *is_new set). */
int64_t proc_lookup(struct proc_cache *c, uint32_t pid, struct proc_ident *fresh,
                    bool *is_new);

#endif
