/* fs.h — the state one mounted fusetrace filesystem shares across all ops.
 *
 * Every op receives it through fuse_req_userdata(); fs_of(req) is the only
 * accessor.  Fields set before the session starts are read-only afterwards.
 */
#ifndef FUSETRACE_SHIM_FS_H
#define FUSETRACE_SHIM_FS_H

#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shim/mount_identity.h"
#include "shim/mount_options.h"

#include "shim/io_mode.h"
#include "shim/proc_fd.h"

enum cache_mode { CACHE_NEVER, CACHE_AUTO, CACHE_ALWAYS };
enum handle_policy { HANDLES_NEVER, HANDLES_PREFER, HANDLES_MANDATORY };

struct fs_config {
    const char *source;           /* as given by the user */
    const char *mountpoint;       /* absolute */
    enum cache_mode cache;
    bool writeback;
    unsigned threads;             /* max worker threads */
    bool debug;
    enum handle_policy handles;
    unsigned fd_cache;            /* LRU size for handle-backed inodes */
    bool allow_other;             /* => per-request credentials */
    bool default_permissions;
    bool read_only;
    bool splice;                  /* may use splice (off when the wire tap records) */
    size_t snapshot_data;         /* manifest: keep the first N bytes of files first looked up */
    /* the mount itself (mount(8) conventions) */
    struct vfs_flags vfs;         /* VFS flags libfuse does not take (mount_options.h) */
    bool own_fsname, own_subtype; /* -o fsname= / subtype= given: no defaults added */
    bool detached;                /* --daemon: the guard must not keep the caller's stderr */
    uint64_t stall_ns;            /* report requests held longer (stall.h); 0 = off */
    struct io_policy io;          /* --io, --io-rule: the mode each open asks for */
};

struct inode_table;
struct fh_table;
struct mount_fds;

struct fs {
    struct fs_config cfg;
    int source_fd;                /* O_PATH fd of the source root, opened before mounting */
    double entry_timeout, attr_timeout;
    bool creds;                   /* switch fsuid/fsgid/groups per request */
    bool proc_events;             /* connector and identity threads run (proc_events.h) */
    uid_t daemon_uid;
    gid_t daemon_gid;
    gid_t *daemon_groups;         /* the daemon's supplementary groups (creds_leave) */
    int daemon_ngroups;
    bool writeback_on;            /* negotiated at INIT */
    bool export_on;               /* EXPORT_SUPPORT negotiated at INIT (file handles decodable) */
    bool dont_mask_on;            /* DONT_MASK negotiated at INIT: modes come unmasked (caller_umask.h) */
    bool posix_acl_on;            /* POSIX_ACL negotiated: the kernel enforces ACLs and refreshes
                                   * the mode after setfacl itself (session.c op_init) */
    /* Set by the wire tap while it answers INIT, before any other request
     * is served (wire_tap.c). */
    bool passthrough_on;          /* FUSE_PASSTHROUGH negotiated: opens may be passthrough */
    bool direct_mmap_on;          /* FUSE_DIRECT_IO_ALLOW_MMAP negotiated */
    int passthrough_depth;        /* max_stack_depth given to the kernel */
    dev_t source_dev;             /* the source root's filesystem */
    bool source_syncs_attrs;      /* it is one whose attributes a stat may have to fetch
                                   * (network, FUSE): AT_STATX_DONT_SYNC may answer from a
                                   * cache there (op_common.c, stat_found) */
    bool source_is_procfs;        /* it is a procfs (ops_file.c, on_procfs) */
    struct inode_table *itab;
    struct fh_table *fht;
    struct mount_fds *mfds;
    struct fuse_session *se;
    struct mount_identity mount_id; /* our mount, taken once it is made (valid while se) */
    atomic_bool disconnect_noted;   /* session_note_disconnect ran */
    atomic_int seek_waits;          /* workers waiting in op_lseek for the kernel's
                                     * writeback (< cfg.threads - 1: shim/ops_file.c) */
    atomic_bool aborted;            /* it found the connection aborted, not unmounted */
};

static inline struct fs *fs_of(fuse_req_t req) { return (struct fs *)fuse_req_userdata(req); }

#endif
