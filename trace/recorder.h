/* recorder.h — what the shim tells the recorder, and nothing more.
 *
 * The shim (shim/) calls these functions from FUSE worker threads.  They are
 * the *only* coupling between the passthrough and the recording machinery:
 * the shim never knows about SQLite, rings or LTTng.
 *
 * Contract for every rec_* event function:
 *   - thread-safe, callable from any thread, never blocks on I/O;
 *   - a cheap no-op (one predictable branch) when recording is off, so call
 *     sites guard expensive argument preparation with rec_enabled();
 *   - copies everything it needs before returning (strings and handle bytes
 *     may live on the caller's stack);
 *   - in lossless mode it may wait for ring space (back-pressure); in drop
 *     mode it never waits and counts what it could not store.
 *
 * Attribution: every event carries the FUSE `unique` of the request that
 * caused it.  The wire tap's read hook runs on the worker thread that will
 * then dispatch the request, so rec_wire_request() sets a thread-local
 * "current unique" that later events on the same thread inherit.  Work that
 * moves to another thread (a blocking SETLKW waiter) carries its unique over
 * with rec_set_current_unique() — through worker_adopt() (worker_state.h),
 * which also tells the stall watchdog which thread now holds the request.
 */
#ifndef FUSETRACE_TRACE_RECORDER_H
#define FUSETRACE_TRACE_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* ---- configuration and lifecycle (called from the main thread) ---------- */

struct rec_config {
    const char *db_path;       /* SQLite output file, or NULL for none */
    bool lttng;                /* emit LTTng-UST tracepoints */
    bool drop;                 /* drop (and count) instead of back-pressure */
    size_t ring_bytes;         /* ring capacity; 0 = default */
    size_t capture_data;       /* store the first N bytes of read/write data */
    size_t snapshot_data;      /* manifest: the shim keeps the first N bytes of
                                * files it finds (for the session row) */

    /* Facts for the session row. */
    const char *source;
    const char *mountpoint;
    const char *command;       /* the recorded command line, or NULL */
    const char *options;       /* the fusetrace command line as given */
    const char *libfuse;       /* libfuse's version, or NULL (the recorder
                                * itself does not link libfuse) */
};

/* Open the sinks (create the database 0600, write schema and session row with
 * status 'recording').  Returns 0, or -1 with a one-line reason in err. */
int recorder_open(const struct rec_config *cfg, char *err, size_t errlen);

/* True once recorder_open() succeeded with at least one sink. */
extern bool rec_on;
static inline bool rec_enabled(void) { return __builtin_expect(rec_on, 0); }

/* The outcome of a recording, for the exit status of `fusetrace record`. */
struct rec_result {
    bool complete;             /* every event stored, database finalised */
    uint64_t events;           /* events stored */
    uint64_t lost;             /* events dropped (--drop) or lost to a sink failure */
    char reason[256];          /* why incomplete, empty when complete */
};

/* The kernel ended the connection early (e.g. "connection aborted
 * (fusectl)"): the session will end 'incomplete' with this cause and the
 * number of requests left unanswered.  `cause` must outlive the recorder
 * (a literal).  Any thread, before recorder_close(). */
void recorder_note_end_cause(const char *cause);

/* Drain the ring, build the post-ingest indexes, set the session row's status
 * to 'complete' (or 'incomplete' with the reason) and close every sink.
 * Prints the lost-event count on stderr when non-zero. */
void recorder_close(struct rec_result *out);

/* ---- wire level (called by shim/wire_tap.c) ----------------------------- */

/* A message as read from /dev/fuse (fuse_in_header + args + data). */
void rec_wire_request(const void *buf, size_t len);
/* A message as written to /dev/fuse: a reply (out_header.unique != 0) or a
 * notification (unique == 0, error = notify code).  `tap_edits` says which
 * fields the wire tap changed in it (WIRE_TAP_* of wire/tap_edit.h). */
void rec_wire_reply(const struct iovec *iov, int count, uint32_t tap_edits);
/* A request as read, before the tap handed libfuse an edited copy
 * (tap_edits as above; 0 for none). */
void rec_wire_request_edited(const void *buf, size_t len, uint32_t tap_edits);

uint64_t rec_current_unique(void);
void rec_set_current_unique(uint64_t unique);

/* Monotonic nanoseconds, the clock every event uses. */
uint64_t rec_now_ns(void);

/* ---- processes ------------------------------------------------------------
 *
 * The recorder never reads /proc: a request carries only the caller's
 * thread id, and reading the caller's /proc entries on the thread that
 * serves it can wait for the caller itself (an exec holds the locks that
 * /proc/PID/stat takes while it waits for the FLUSH of its close-on-exec
 * files).  Processes are described to the recorder instead, from threads
 * that serve no request (shim/proc_events.c, shim/proc_reader.c), and the
 * writer joins the descriptions to the requests by pid and time
 * (rec_process.h). */

enum rec_proc_kind {
    REC_PROC_FORK = 1,         /* pid/tgid: the new task; ppid/ptgid: the task that forked it */
    REC_PROC_EXEC,             /* tgid exec'd (pid: the thread that did) */
    REC_PROC_EXIT,             /* pid/tgid ended; exit_status as wait(2) reports it */
    REC_PROC_COMM,             /* pid/tgid renamed itself (prctl): comm */
    REC_PROC_COMMAND,          /* tgid is `record`'s COMMAND */
    REC_PROC_IDENTITY,         /* (process_event.kind of a rec_proc_identity) */
};

/* One event of the kernel's process events connector, or COMMAND. */
struct rec_proc_event {
    enum rec_proc_kind kind;
    uint64_t ts;               /* CLOCK_MONOTONIC ns of the event (the connector's stamp) */
    uint32_t pid, tgid, ppid, ptgid;
    int32_t exit_status;
    char comm[16];
};
void rec_proc_event(const struct rec_proc_event *e);

/* image_ts of an identity: the time of the fork or exec that began the
 * program image that was read (as the connector reported it), or one of: */
#define REC_IMAGE_OLDER   0            /* began before the connector listened */
#define REC_IMAGE_UNKNOWN UINT64_MAX   /* no connector: which image is unknown */

/* What /proc said about one process image. */
struct rec_proc_identity {
    uint32_t tid, tgid;        /* the thread asked about, its process */
    uint32_t ppid;             /* parent process, 0 if unknown */
    uint64_t image_ts;
    int64_t start_time;        /* /proc/PID/stat field 22, -1 if unknown */
    const char *comm, *cmdline;   /* NULL if unknown */
};
void rec_proc_identity(const struct rec_proc_identity *id);

/* The writer merges process events by their kernel time with the requests
 * they explain (a request of a new program must come after its EXEC).
 * `complete_upto` returns a time before which every process event has been
 * handed to rec_proc_event(); the writer holds newer records back a little
 * until it has.  Call before recording begins; NULL: no such source. */
void rec_set_process_clock(uint64_t (*complete_upto)(void));

/* ---- semantic events from the shim --------------------------------------- */

enum rec_inode_kind {
    REC_INODE_NEW,             /* entry created in the table */
    REC_INODE_REF,             /* nlookup += delta (cause says why) */
    REC_INODE_UNREF,           /* nlookup -= delta */
    REC_INODE_FREE,            /* entry removed (nlookup reached 0) */
    REC_INODE_HANDLE,          /* file handle taken for the entry */
    REC_INODE_FALLBACK,        /* no handle (err = errno): entry pins an O_PATH fd */
    REC_INODE_FD_OPEN,         /* a cached fd opened for a handle-backed entry */
    REC_INODE_FD_EVICT,        /* that fd closed by the LRU */
    REC_INODE_REUSE_DETECTED,  /* same (dev,ino) as a live entry, different handle */
    REC_INODE_STALE,           /* request for an unknown/forgotten nodeid, or ESTALE reopening a handle */
    REC_INODE_REVIVE,          /* a forgotten nodeid back in the table for the same file (its handle) */
    REC_INODE_EXPIRE,          /* a forgotten nodeid dropped from the bounded memory: no REVIVE any more */
    /* I/O modes (shim/io_mode.h).  The numbers are stored in recordings. */
    REC_INODE_IO_MODE = 12,      /* the inode's mode went io_prev -> io_mode (io_why) */
    REC_INODE_BACKING_OPEN = 13, /* backing file registered: backing_id, fd, name = path (err if it failed) */
    REC_INODE_BACKING_CLOSE = 14,/* backing file closed: backing_id (err if it failed) */
    REC_INODE_IO_CONFLICT = 15,  /* an open asked io_prev and was answered io_mode (io_why) */
};

enum rec_cause {
    REC_CAUSE_NONE,
    REC_CAUSE_LOOKUP,
    REC_CAUSE_READDIRPLUS,
    REC_CAUSE_CREATE,
    REC_CAUSE_MKNOD,
    REC_CAUSE_MKDIR,
    REC_CAUSE_SYMLINK,
    REC_CAUSE_LINK,
    REC_CAUSE_FORGET,
    REC_CAUSE_BATCH_FORGET,
    REC_CAUSE_READDIRPLUS_OVERFLOW,  /* entry did not fit: its lookup given back */
    REC_CAUSE_REPLY_FAILED,          /* fuse_reply_* failed: effect undone */
    REC_CAUSE_LRU,                   /* fd cache eviction */
    REC_CAUSE_UNMOUNT,               /* table torn down at destroy */
    REC_CAUSE_LOOKUP_DOT,            /* LOOKUP of "." (the kernel decoding a file handle) */
    REC_CAUSE_LOOKUP_DOTDOT,         /* LOOKUP of ".." (the kernel reconnecting a directory) */
};

struct rec_inode_event {
    enum rec_inode_kind kind;
    enum rec_cause cause;
    uint64_t nodeid;
    uint64_t parent;           /* NEW, REVIVE: parent nodeid (0 if unknown); else 0 */
    const char *name;          /* NEW, REVIVE: name in parent; else NULL */
    uint64_t dev, ino, mnt_id; /* NEW, REVIVE, REUSE_DETECTED */
    int64_t delta;             /* REF/UNREF: amount */
    uint64_t nlookup;          /* nlookup after the transition */
    int err;                   /* FALLBACK / STALE: errno */
    int fd;                    /* FD_OPEN / FD_EVICT / FALLBACK: the fd */
    uint64_t other_nodeid;     /* REUSE_DETECTED: the older entry */
    const void *handle;        /* HANDLE: handle bytes */
    uint32_t handle_len;
    int handle_type;
    /* IO_MODE, IO_CONFLICT: modes (shim/io_mode.h enum io_mode) and why
     * (enum io_why); BACKING_OPEN/CLOSE, and passthrough modes: the id. */
    int io_mode, io_prev, io_why;
    int32_t backing_id;
};
void rec_inode(const struct rec_inode_event *e);

enum rec_fh_kind {
    REC_FH_OPEN,
    REC_FH_CREATE,             /* created says whether the file was really created */
    REC_FH_RELEASE,
    REC_FH_OPENDIR,
    REC_FH_RELEASEDIR,
};

struct rec_fh_event {
    enum rec_fh_kind kind;
    uint64_t fh;
    uint64_t nodeid;
    int flags;                 /* open flags as passed to the backing open */
    int fd;                    /* backing fd */
    bool created;
    int io_mode;               /* OPEN/CREATE/RELEASE: the open's I/O mode (shim/io_mode.h), 0 otherwise */
    int64_t size;              /* passthrough OPEN/CREATE/RELEASE: the file's size then, else -1 */
};
void rec_fh(const struct rec_fh_event *e);

/* One syscall the shim made on the source.  `call` is a string literal
 * ("openat", "fstatat", ...) — the pointer is stored, not the text.
 * result is the syscall's return value (-1 on failure, err = errno). */
struct rec_backing_event {
    const char *call;
    int64_t fd;                /* the fd (or dirfd) operated on, -1 if none */
    int64_t arg;               /* the key numeric argument (flags, size, offset...) */
    const char *name;          /* the name argument, if any */
    int64_t result;
    int err;
    uint64_t start_ns, end_ns;
};
void rec_backing(const struct rec_backing_event *e);

/* The state of a source object the first time the session saw it: an entry
 * made by LOOKUP or READDIRPLUS (not by the session's own create/mkdir/...). */
struct rec_manifest_event {
    uint64_t nodeid, parent;
    const char *name;
    const struct stat *st;        /* type, mode, size, uid, gid, rdev, times */
    const char *link_target;      /* symlinks, else NULL */
    const void *data; size_t data_len;   /* --snapshot-data prefix, else NULL/0 */
};
void rec_manifest(const struct rec_manifest_event *e);

/* ---- the stall watchdog (shim/stall.c, on its own thread) ---------------- */

/* A request still in flight after --stall: the thread holding it and what
 * that thread is doing.  Times are rec_now_ns() values. */
struct rec_stall_event {
    uint64_t ts;               /* when the watchdog found it */
    uint64_t unique;
    uint32_t tid;              /* the thread holding the request */
    uint32_t opcode, pid;
    uint64_t nodeid;
    uint64_t held_ns;          /* since when the daemon has held it (read from /dev/fuse) */
    const char *call;          /* backing syscall in progress (a string literal), NULL if none */
    int64_t fd, arg;           /* its fd and key argument, as in rec_backing_event */
    const char *name;          /* its name argument, or NULL */
    const char *fd_path;       /* what fd refers to, or NULL */
    uint64_t call_ns;          /* since when it is in that syscall */
    const char *wchan;         /* kernel wait channel of the thread, or NULL */
    const char *stack;         /* its kernel stack, or NULL (readable by root only) */
};
void rec_stall(const struct rec_stall_event *e);

enum rec_stall_end_reason {
    REC_STALL_REPLY = 1,       /* the reply was written */
    REC_STALL_NO_REPLY = 2,    /* the daemon let go of it without a reply */
    REC_STALL_SESSION_END = 3, /* still held when the session ended */
};
/* The stall of `unique` (held by tid) ended at ts. */
void rec_stall_end(uint64_t unique, uint32_t tid, enum rec_stall_end_reason reason, uint64_t ts);
/* The reason's name as stored in stall_end.reason ("reply", ...). */
const char *rec_stall_end_name(enum rec_stall_end_reason reason);

/* ---- the kernel's side (trace/ktrace_reader.c, on a thread of its own) --- */

enum rec_kernel_kind {
    REC_KERNEL_SEND = 1,       /* fuse_request_send: queued for the daemon */
    REC_KERNEL_END = 2,        /* fuse_request_end: the caller got its answer */
};

struct rec_kernel_event {
    enum rec_kernel_kind kind;
    uint64_t ts;               /* the kernel's timestamp (CLOCK_MONOTONIC ns) */
    uint64_t unique;
    uint32_t opcode;           /* SEND */
    uint32_t len;              /* SEND: request length; END: reply length */
    int32_t error;             /* END: -errno as the caller got it */
    uint32_t tid;              /* SEND: the thread that queued it */
};
void rec_kernel(const struct rec_kernel_event *e);
/* `events` kernel events the kernel's trace buffer could not keep, noticed
 * at ts: counted as lost like any other event. */
void rec_kernel_lost(uint64_t events, uint64_t ts);
/* Which sides the session records: on = the kernel's too, for the
 * connection with kernel device number `connection`; otherwise `note`
 * says why not. */
void rec_kernel_state(bool on, uint32_t connection, const char *note);

/* A sample of a counter track; `name` is a string literal. */
void rec_counter(const char *name, uint64_t ts, int64_t value);

#endif
