/* rec_event.h — the event model: the binary records that travel from the
 * hot path to the writer thread through the rings, and that an importer
 * (trace/import_sink.h) hands to the same decode-and-store code.
 *
 * A record is a rec_hdr followed by a type-specific payload, padded to 8
 * bytes.  Wire records carry the raw message bytes (header + arguments, at
 * most the first capture_data bytes of file data); the writer decodes them.
 * Semantic records carry a fixed struct followed by their strings, so the
 * hot path never formats anything.
 */
#ifndef FUSETRACE_TRACE_REC_EVENT_H
#define FUSETRACE_TRACE_REC_EVENT_H

#include <stdint.h>

enum rec_type {
    REC_T_REQUEST = 1,
    REC_T_REPLY,
    REC_T_INODE,
    REC_T_FH,
    REC_T_BACKING,
    REC_T_PROC,                  /* what /proc said about a process image */
    REC_T_MANIFEST,              /* a source object as first found (recorder.h) */
    REC_T_PEVENT,                /* a process event of the kernel's connector */
    REC_T_STALL,                 /* a request the stall watchdog found stuck */
    REC_T_STALL_END,             /* ... and the end of that stall */
    REC_T_KERNEL,                /* a tracefs fuse event of our connection */
    REC_T_KERNEL_STATE,          /* which sides are recorded; not an event */
    REC_T_KERNEL_LOSS,           /* kernel events the trace buffer lost; not an event */
    REC_T_COUNTER,               /* a sample of a counter track */
};

enum {
    REC_F_TRUNCATED = 1u << 0,   /* message longer than the kept bytes */
};

struct rec_hdr {
    uint32_t size;               /* whole record, multiple of 8 */
    uint8_t type;                /* enum rec_type */
    uint8_t flags;               /* REC_F_* */
    uint16_t hint;               /* REPLY: request opcode known to the producer, 0 = unknown */
    uint32_t tid;                /* producing thread */
    uint32_t orig_len;           /* wire: length of the message as read/written */
    uint64_t ts;                 /* CLOCK_MONOTONIC ns */
    uint64_t unique;             /* attribution */
};

/* Wire records: struct rec_hdr + message bytes (size - sizeof hdr minus
 * padding; the kept length is in wire_len). */
struct rec_wire {
    uint32_t wire_len;           /* bytes that follow */
    uint32_t tap_edits;          /* fields the wire tap changed (WIRE_TAP_*) */
};

struct rec_inode_rec {
    uint8_t kind, cause;
    uint16_t name_len;           /* bytes of name after the struct */
    uint16_t handle_len;         /* bytes of handle after the name */
    uint16_t has_name;           /* 0: name was NULL */
    int32_t err, fd;
    int32_t handle_type;
    uint32_t pad;
    uint64_t nodeid, parent, dev, ino, mnt_id, nlookup, other_nodeid;
    int64_t delta;
    int32_t backing_id;          /* I/O mode events (recorder.h) */
    uint8_t io_mode, io_prev, io_why, pad8;
};

struct rec_fh_rec {
    uint8_t kind, created;
    uint8_t io_mode, pad;
    int32_t flags, fd;
    uint32_t pad2;
    uint64_t fh, nodeid;
    int64_t size;                /* -1: none */
};

struct rec_backing_rec {
    const char *call;            /* string literal: the pointer is stable */
    int64_t fd, arg, result;
    uint64_t start_ns, end_ns;
    int32_t err;
    uint16_t name_len;
    uint16_t has_name;
};

/* An identity (recorder.h, struct rec_proc_identity); h->ts is when it
 * was read. */
struct rec_proc_rec {
    int64_t start_time;          /* -1 when unknown */
    uint64_t image_ts;           /* see REC_IMAGE_* in recorder.h */
    uint32_t tid, tgid, ppid;
    uint16_t comm_len, cmdline_len;   /* bytes after the struct, comm first */
    uint8_t have_comm, have_cmdline;
    uint8_t pad[2];
};

/* A process event (recorder.h, struct rec_proc_event); h->ts is the
 * kernel's time of the event. */
struct rec_pevent_rec {
    uint8_t kind;                /* enum rec_proc_kind */
    uint8_t pad[3];
    int32_t exit_status;
    uint32_t pid, tgid, ppid, ptgid;
    char comm[16];               /* NUL-terminated */
};

/* Followed by name_len bytes of name, target_len bytes of symlink target,
 * data_len bytes of snapshot data. */
struct rec_manifest_rec {
    uint64_t nodeid, parent, dev, ino, size, rdev, nlink;
    int64_t atime_ns, mtime_ns, ctime_ns;
    uint32_t mode, uid, gid;
    uint32_t data_len;
    uint16_t name_len, target_len;
    uint8_t has_name, has_target;
    uint8_t pad[2];
};

/* STALL: the header's tid is the thread holding the request (not the
 * watchdog's), its unique the request's.  Followed by name_len bytes of the
 * call's name argument, path_len of what its fd refers to, wchan_len of the
 * kernel wait channel and stack_len of the kernel stack; 0 = none. */
struct rec_stall_rec {
    const char *call;            /* string literal, NULL: not in a backing call */
    int64_t fd, arg;
    uint64_t held_ns, call_ns, nodeid;
    uint32_t opcode, pid;
    uint16_t name_len, path_len, wchan_len;
    uint16_t pad;
    uint32_t stack_len;
    uint32_t pad2;
};

struct rec_stall_end_rec {
    uint32_t reason;             /* enum rec_stall_end_reason */
    uint32_t pad;
};

/* KERNEL: the header's ts is the kernel's timestamp (trace_clock mono,
 * i.e. CLOCK_MONOTONIC), its unique the request's and its tid the tracefs
 * reader's. */
struct rec_kernel_rec {
    uint32_t kind;               /* enum rec_kernel_kind */
    uint32_t opcode;             /* SEND */
    uint32_t len;                /* SEND: request length; END: reply length */
    int32_t error;               /* END: -errno as the caller got it */
    uint32_t tid;                /* SEND: the thread that queued the request */
    uint32_t pad;
};

/* KERNEL_STATE: followed by note_len bytes of the reason the kernel side
 * is missing (none when on). */
struct rec_kernel_state_rec {
    uint32_t on;
    uint32_t connection;         /* the kernel's device number of the connection */
    uint32_t note_len;
    uint32_t pad;
};

/* KERNEL_LOSS: at the header's ts, this many kernel events were lost. */
struct rec_kernel_loss_rec {
    uint64_t events;
};

/* COUNTER: one sample; the name is a string literal (the pointer is kept,
 * like a backing call's). */
struct rec_counter_rec {
    const char *name;
    int64_t value;
};

/* Longest name kept for semantic events; NAME_MAX is 255 and paths handed
 * to backing calls are relative, so this only cuts pathological input. */
#define REC_NAME_MAX     4096
#define REC_HANDLE_MAX   128    /* MAX_HANDLE_SZ */
#define REC_COMM_MAX     63     /* a process name (the kernel keeps 15 bytes) */
#define REC_CMDLINE_MAX  1023   /* a command line, cut beyond this */
#define REC_WCHAN_MAX    128    /* a kernel symbol name */
#define REC_STACK_MAX    4096   /* /proc/PID/task/TID/stack text */
#define REC_NOTE_MAX     512    /* a kernel-side state note */

#endif
