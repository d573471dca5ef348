/* tp_args.h — argument structs for the fusetrace LTTng-UST provider.
 *
 * Tracepoints accept at most 10 arguments, and the records are wider than
 * that, so each event takes one pointer to one of these.  The fields mirror
 * the SQLite tables so that a CTF trace can be turned into the same
 * database: wire events keep the raw message bytes (decoded later with
 * wire_decode.h), semantic events keep every recorder.h field.
 */
#ifndef FUSETRACE_TRACE_TP_ARGS_H
#define FUSETRACE_TRACE_TP_ARGS_H

#include <stdint.h>

/* Longest raw message kept in a trace event (a READDIRPLUS reply can be
 * longer; `truncated` then says so). */
#define TP_RAW_MAX 65536

struct tp_wire {
    uint64_t unique;
    uint64_t nodeid;           /* request only */
    uint32_t opcode;           /* request: opcode; reply: known request opcode or 0 */
    int32_t error;             /* reply only: as on the wire (-errno, or notify code) */
    uint32_t uid, gid, pid;    /* request only */
    uint32_t tid;
    uint32_t len;              /* message length as read/written */
    uint32_t raw_len;
    uint8_t truncated;         /* raw shorter than the message */
    const uint8_t *raw;
    uint32_t tap_edits;        /* fields the wire tap changed (WIRE_TAP_*) */
};

struct tp_inode {
    uint64_t unique, nodeid, parent, dev, ino, mnt_id, nlookup, other_nodeid;
    int64_t delta;
    int32_t kind, cause, err, fd, handle_type;
    uint32_t tid;
    const char *name;          /* "" when none */
    const uint8_t *handle;
    uint32_t handle_len;
    int32_t io_mode, io_prev, io_why, backing_id;   /* I/O mode events */
};

struct tp_fh {
    uint64_t unique, fh, nodeid;
    int32_t kind, flags, fd;
    uint32_t tid;
    uint8_t created;
    int32_t io_mode;
    int64_t size;              /* -1: none */
};

struct tp_backing {
    uint64_t unique, start_ns, end_ns;
    int64_t fd, arg, result;
    int32_t err;
    uint32_t tid;
    const char *call;
    const char *name;          /* "" when none */
};

struct tp_process {             /* recorder.h: struct rec_proc_identity */
    uint32_t tid, tgid, ppid;
    uint64_t image_ts;
    int64_t start_time;
    const char *comm, *cmdline;   /* "" when unknown */
};

struct tp_process_event {       /* recorder.h: struct rec_proc_event */
    int32_t kind;
    uint64_t ts_ns;               /* the kernel's time of the event */
    uint32_t pid, tgid, ppid, ptgid;
    int32_t exit_status;
    const char *comm;             /* "" unless kind is COMM */
};

struct tp_manifest {
    uint64_t unique, nodeid, parent, dev, ino, size, rdev, nlink;
    int64_t atime_ns, mtime_ns, ctime_ns;
    uint32_t mode, uid, gid;
    uint32_t tid;
    const char *name;          /* "" when none */
    const char *link_target;   /* "" when none (a symlink target is never empty) */
    const uint8_t *data;       /* snapshot prefix, at most TP_RAW_MAX bytes */
    uint32_t data_len;
};

struct tp_stall {
    uint64_t ts, unique, nodeid, held_ns, call_ns;
    int64_t fd, arg;
    uint32_t tid, opcode, pid;
    const char *call;          /* "" when none (likewise the strings below) */
    const char *name, *fd_path, *wchan, *stack;
};

struct tp_stall_end {
    uint64_t ts, unique;
    uint32_t tid, reason;
};

struct tp_kernel {
    uint64_t ts, unique;
    uint32_t kind, opcode, len;
    int32_t error;
    uint32_t caller_tid;       /* SEND: the thread that queued the request */
    uint32_t tid;              /* the tracefs reader */
};

struct tp_kernel_state {
    uint8_t on;
    uint32_t connection;
    const char *note;          /* "" when none */
};

struct tp_kernel_loss {
    uint64_t ts, events;
    uint32_t tid;
};

struct tp_counter {
    uint64_t ts;
    const char *name;
    int64_t value;
    uint32_t tid;
};

struct tp_session {
    int32_t phase;             /* 0 = open, 1 = close */
    uint64_t start_realtime_ns, start_monotonic_ns;
    uint64_t events, lost;
    uint32_t pid;
    uint32_t capture_data;
    uint32_t snapshot_data;
    uint8_t drop;
    const char *uuid, *source, *mountpoint, *command, *options, *status;
    const char *end_cause;     /* close: why the kernel ended the session early, or "" */
};

#endif
