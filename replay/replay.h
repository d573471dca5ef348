/* replay.h — `fusetrace replay`: re-execute a recording against a directory
 * at the FUSE-request level.
 *
 *   replay_load.c   the recording -> one struct rp_req per request (with
 *                   its reply, fh open flags, forgets, dirents), the
 *                   manifest, node paths;
 *   replay_setup.c  the initial tree: which manifest rows (and listed
 *                   names) describe objects that existed before the
 *                   session, built in the target;
 *   replay_exec.c   one request -> the syscalls the shim made for it,
 *                   relative to the replayed nodes' fds, with nodeid and fh
 *                   remapping and the comparison with the recorded reply;
 *   cmd_replay.c    options, timing, serial / recorded-overlap ordering,
 *                   the report.
 */
#ifndef FUSETRACE_REPLAY_REPLAY_H
#define FUSETRACE_REPLAY_REPLAY_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/u64map.h"

/* ---- the recording ----------------------------------------------------------- */

struct rp_dirent {
    char *name;
    uint32_t type;             /* d_type */
    uint64_t nodeid;           /* READDIRPLUS reference, 0 if none */
    uint64_t ino;
};

struct rp_forget {
    uint64_t nodeid, nlookup;
};

struct rp_req {
    int64_t id;                /* request.id */
    int64_t ts;                /* request ts */
    int64_t reply_ts;          /* reply ts, or ts when there is none */
    uint64_t unique;
    uint32_t opcode;
    uint64_t nodeid;
    uint32_t uid, gid;
    uint32_t tid;              /* FUSE worker thread that read it */
    char *name, *name2;
    uint64_t nodeid2, fh;
    bool has_nodeid2, has_fh;
    int64_t offset, size, flags, mode, valid;
    bool has_offset, has_size, has_flags, has_mode, has_valid;
    int64_t lk_type, lk_start, lk_end;
    uint32_t umask;            /* CREATE/MKNOD/MKDIR: the caller's umask */
    bool has_umask;
    char *extra;               /* request extra JSON */
    uint8_t *data;             /* captured WRITE data */
    size_t data_len;

    bool has_reply;
    int error;                 /* positive errno, 0 = success */
    bool r_entry;              /* entry reply: r_nodeid */
    uint64_t r_nodeid;
    bool r_attr;
    uint32_t r_mode;
    int64_t r_size;
    bool r_open;
    uint64_t r_fh;
    bool r_has_bytes, r_has_count;
    int64_t r_bytes, r_count;
    char *r_name;              /* READLINK target */

    bool has_fh_event;         /* OPEN/CREATE/OPENDIR: the backing open */
    int fh_flags;
    bool created;

    struct rp_forget *forgets;
    size_t nforgets;
    struct rp_dirent *dirents;
    size_t ndirents;
};

struct rp_manifest {
    int64_t ts;
    uint64_t unique, nodeid, parent;
    char *name;
    uint32_t mode, uid, gid;
    int64_t size, atime_ns, mtime_ns;
    uint64_t rdev, nlink, dev, ino;
    char *link_target;
    uint8_t *data;
    size_t data_len;
};

struct rp_recording {
    struct rp_req *reqs;
    size_t nreqs;
    struct rp_manifest *man;
    size_t nman;
    struct rmap node_dev, node_ino;  /* nodeid -> backing dev / ino (inode table) */
    struct rmap node_path;     /* nodeid -> char * path when first seen */
    bool writeback;            /* the mount negotiated the writeback cache */
    size_t capture_data;
    int64_t first_ts, last_ts; /* first request, last reply */
};

/* Read the recording.  Returns 0, or -1 with a one-line reason. */
int rp_load(const char *db_path, struct rp_recording *rec, char *err, size_t errlen);
void rp_free(struct rp_recording *rec);
const char *rp_node_path(const struct rp_recording *rec, uint64_t nodeid);

/* ---- the initial tree -------------------------------------------------------- */

struct rp_setup_stats {
    size_t entries, dirs, files, symlinks, links, others, with_data, listed_only;
    size_t skipped_session;    /* manifest rows of objects the session made */
};

/* Build the initial state in the directory `target_fd`.  Returns 0, or -1
 * with a one-line reason. */
int rp_setup(const struct rp_recording *rec, int target_fd, struct rp_setup_stats *st,
             char *err, size_t errlen);

/* ---- executing requests --------------------------------------------------------- */

struct rp_ctx {
    const struct rp_recording *rec;
    int root_fd;
    bool verify;
    FILE *out;                 /* mismatch lines */
    pthread_mutex_t mu;        /* maps, counters, output */
    struct rmap nodes;         /* recorded nodeid -> struct rp_node * */
    struct rmap fhs;           /* recorded fh -> struct rp_fh * */
    uint64_t replayed, skipped, mismatches;
    uint64_t by_kind[8];
};

enum rp_mismatch_kind {
    RPM_ERRNO, RPM_TYPE, RPM_SIZE, RPM_BYTES, RPM_LISTING, RPM_TARGET, RPM_CREATED, RPM_NKINDS
};

int rp_ctx_init(struct rp_ctx *c, const struct rp_recording *rec, int root_fd, bool verify,
                FILE *out);
void rp_ctx_free(struct rp_ctx *c);

/* Replay one request (thread-safe with respect to other requests that do
 * not share a node). */
void rp_exec(struct rp_ctx *c, const struct rp_req *q);

/* Requests that are replayed at all (the others are counted as skipped). */
bool rp_replayable(const struct rp_req *q);

const char *rp_opname(uint32_t opcode);

#endif
