/* session.c — FUSE session lifecycle: source, tables, INIT negotiation,
 * mount, loop, unmount. */
#include "shim/session.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/creds.h"
#include "shim/disconnect.h"
#include "shim/fh_table.h"
#include "shim/handle.h"
#include "shim/stat_id.h"
#include "shim/inode_table.h"
#include "shim/mount_options.h"
#include "shim/ops.h"
#include "shim/proc_events.h"
#include "shim/proc_reader.h"
#include "shim/proc_table.h"
#include "shim/unmount_guard.h"
#include "shim/watchdog.h"
#include "shim/wire_tap.h"
#include "trace/recorder.h"

const struct fuse_lowlevel_ops fusetrace_ops = {
    .init = op_init,
    .destroy = op_destroy,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readlink = op_readlink,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .symlink = op_symlink,
    .link = op_link,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .rename = op_rename,
    .open = op_open,
    .create = op_create,
    .read = op_read,
    .write_buf = op_write_buf,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .readdirplus = op_readdirplus,
    .releasedir = op_releasedir,
    .fsyncdir = op_fsyncdir,
    .statfs = op_statfs,
    .access = op_access,
    .setxattr = op_setxattr,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .removexattr = op_removexattr,
    .getlk = op_getlk,
    .setlk = op_setlk,
    .flock = op_flock,
    .fallocate = op_fallocate,
    .copy_file_range = op_copy_file_range,
    .lseek = op_lseek,
    .ioctl = op_ioctl,
    /* Not implemented, on purpose: bmap (fuseblk only), poll,
     * retrieve_reply (no notify_retrieve); ioctl answers the inode flags
     * only (ops_ioctl.c says why).  STATX and TMPFILE, which
     * libfuse 3.14 does not know, reach getattr and create through the
     * wire tap (wire_tap.h). */
};

static bool attrs_may_be_cached(long type);

/* ---- INIT --------------------------------------------------------------- */

void op_init(void *userdata, struct fuse_conn_info *conn)
{
    struct fs *fs = userdata;
    /* EXPORT_SUPPORT: the kernel may then decode its file handles
     * (open_by_handle_at, NFS export) for inodes it no longer caches, by a
     * LOOKUP of "." in the nodeid the handle holds, and reconnect a
     * directory by LOOKUPs of "..".  Nodeids are never given to another
     * file and forgotten handle-backed entries are remembered, so those
     * nodeids can be answered (ops_entry.c lookup_self, retired.h).  Not
     * with --handles=never: a forgotten pinned entry cannot be found again,
     * and without the flag the kernel answers ESTALE itself. */
    if (fs->cfg.handles != HANDLES_NEVER && (conn->capable & FUSE_CAP_EXPORT_SUPPORT)) {
        conn->want |= FUSE_CAP_EXPORT_SUPPORT;
        fs->export_on = true;
    } else {
        conn->want &= ~FUSE_CAP_EXPORT_SUPPORT;
    }
    /* The kernel clears setuid/setgid (on write, truncate, chown) unless
     * the server says it will; this one relies on the kernel and completes
     * what it leaves undone (op_write_buf).  libfuse 3.14 puts
     * HANDLE_KILLPRIV in `want` by default but never sends it (no
     * outargflags line; INIT replies here show bit 19 clear); later
     * versions do send it, which would silently leave the bits set. */
    conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
    if (fs->cfg.writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) {
        conn->want |= FUSE_CAP_WRITEBACK_CACHE;
        fs->writeback_on = true;
    }
    if (fs->cfg.splice) {
        conn->want |= conn->capable & (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
        /* libfuse wants SPLICE_READ by default (we have write_buf).  A
         * request read by splice never reaches the tap's read hook, which
         * tells the stall watchdog who holds it, hands STATX and TMPFILE
         * to libfuse as what it knows, and notes which request a thread
         * serves (for the OPEN replies it makes passthrough); spliced
         * replies reach the splice hook (wire_tap.c).  Reading requests by
         * splice saved nothing measurable for 1 MiB writes here
         * (BENCHMARKS.md). */
        conn->want &= ~FUSE_CAP_SPLICE_READ;
    } else {
        /* The recorder needs every request's and reply's bytes (wire_tap.h). */
        conn->want &= ~(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
    }
    if (fs->cfg.cache == CACHE_NEVER)
        conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
    /* Modes and POSIX ACLs as natively.  A FUSE superblock always carries
     * SB_POSIXACL, so the VFS never applies the umask on the mount; FUSE
     * applies it in its own create path unless FUSE_DONT_MASK is
     * negotiated.  With DONT_MASK the kernel sends the mode unmasked and the
     * caller's umask beside it, and the creating syscall on the source runs
     * with that umask (caller_umask.h): the source then applies the umask or
     * the parent's default ACL exactly as for a native call, whoever checks
     * permissions.
     *
     * FUSE_POSIX_ACL makes the kernel enforce ACLs and turns
     * default_permissions on: wanted exactly when the kernel checks
     * permissions anyway (-o default_permissions, the default with
     * allow_other), where checks without the ACLs would be wrong.  Without
     * default_permissions the source checks every access (as the caller with
     * allow_other, else as the mounting user, the only caller), ACLs
     * included, and POSIX_ACL would only add the kernel's checks and the
     * requests they cost: a GETATTR of the parent directory after every
     * create or unlink (26 % more requests on a metadata workload,
     * BENCHMARKS.md).  getfacl/setfacl work either way: without POSIX_ACL the
     * kernel passes the ACL xattrs through (in the initial user namespace),
     * and ops_xattr.c drops the kernel's cached attributes after an access
     * ACL changed, so the next stat sees the mode setfacl changed.  Both bits reach the
     * kernel with libfuse 3.14 (do_init has outargflags lines for them). */
    if (conn->capable & FUSE_CAP_DONT_MASK) {
        conn->want |= FUSE_CAP_DONT_MASK;
        fs->dont_mask_on = true;
    }
    if (fs->cfg.default_permissions && (conn->capable & FUSE_CAP_POSIX_ACL)) {
        conn->want |= FUSE_CAP_POSIX_ACL;
        fs->posix_acl_on = true;
    }
    conn->want |= conn->capable & FUSE_CAP_FLOCK_LOCKS;
    /* Room for readahead and writeback in flight (the kernel default is 12). */
    conn->max_background = 64;
    conn->congestion_threshold = 48;
    conn->time_gran = 1;
}

void op_destroy(void *userdata)
{
    locks_shutdown(userdata);
}

/* ---- source and tables -------------------------------------------------- */

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* libfuse cancels its worker threads when the session ends, and glibc's
 * pthread_cancel loads libgcc_s for the unwinder on first use.  A daemon
 * serving near RLIMIT_NOFILE has no fd left for that dlopen, and glibc then
 * aborts ("libgcc_s.so.1 must be installed for pthread_cancel to work") at
 * the very end of a good session: load it now, while descriptors are free. */
static void preload_unwinder(void)
{
    (void)dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE);
}

int fs_open(struct fs *fs, const struct fs_config *cfg)
{
    preload_unwinder();
    memset(fs, 0, sizeof(*fs));
    fs->cfg = *cfg;
    fs->source_fd = -1;
    fs->daemon_uid = geteuid();
    fs->daemon_gid = getegid();
    /* creds_policy (before mounting) has refused or announced the case of
     * allow_other without the capabilities to switch. */
    fs->creds = cfg->allow_other && creds_possible();
    if (creds_save_daemon(fs) < 0) {
        fprintf(stderr, "fusetrace: cannot read the daemon's groups: %s\n", strerror(errno));
        return -1;
    }
    switch (cfg->cache) {
    case CACHE_NEVER: fs->entry_timeout = fs->attr_timeout = 0; break;
    case CACHE_AUTO: fs->entry_timeout = fs->attr_timeout = 1.0; break;
    case CACHE_ALWAYS: fs->entry_timeout = fs->attr_timeout = 86400.0; break;
    }
    raise_fd_limit();

    fs->source_fd = open(cfg->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fs->source_fd < 0) {
        fprintf(stderr, "fusetrace: cannot open source %s: %s\n", cfg->source, strerror(errno));
        return -1;
    }
    /* Passthrough stacks the mount on the source's filesystem: the kernel
     * registers a backing file only from a filesystem stacked less deep
     * than the max_stack_depth given at INIT (else ELOOP).  A source on
     * overlayfs is itself one level deep, and so is one on a FUSE mount
     * that does passthrough (another fusetrace --io=passthrough): 2, the
     * kernel's maximum, for both.  The price: nothing that stacks can be
     * mounted over this mount. */
    struct statfs sfs;
    const bool sfs_known = fstatfs(fs->source_fd, &sfs) == 0;
    fs->passthrough_depth =
        sfs_known && (sfs.f_type == OVERLAYFS_SUPER_MAGIC || sfs.f_type == FUSE_SUPER_MAGIC) ? 2 : 1;
    struct stat st;
    uint64_t mnt_id;
    int r = stat_with_mnt_id(fs->source_fd, &st, &mnt_id);
    if (r < 0) {
        fprintf(stderr, "fusetrace: cannot stat source %s: %s\n", cfg->source, strerror(-r));
        goto fail;
    }
    fs->source_dev = st.st_dev;
    /* (not known: assume the worst of both) */
    fs->source_syncs_attrs = !sfs_known || attrs_may_be_cached(sfs.f_type);
    fs->source_is_procfs = !sfs_known || sfs.f_type == PROC_SUPER_MAGIC;
    /* The fd cache must leave room under RLIMIT_NOFILE for open files,
     * lock descriptions, pinned fallback fds and the daemon itself: at most
     * half of the limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        fs->cfg.fd_cache > rl.rlim_cur / 2) {
        unsigned capped = rl.rlim_cur / 2 > 1 ? (unsigned)(rl.rlim_cur / 2) : 1;
        fprintf(stderr, "fusetrace: --fd-cache=%u is more than half the fd limit (%llu); using %u\n",
                fs->cfg.fd_cache, (unsigned long long)rl.rlim_cur, capped);
        fs->cfg.fd_cache = capped;
    }
    fs->mfds = mount_fds_new();
    fs->fht = fht_new();
    if (!fs->mfds || !fs->fht) {
        fprintf(stderr, "fusetrace: out of memory\n");
        goto fail;
    }
    if (fs->cfg.handles != HANDLES_NEVER) {
        r = handles_probe(fs->mfds, fs->source_fd, mnt_id);
        if (r < 0 && fs->cfg.handles == HANDLES_MANDATORY) {
            fprintf(stderr,
                    "fusetrace: --handles=mandatory, but file handles do not work on %s: %s%s\n",
                    cfg->source, strerror(-r),
                    r == -EPERM ? " (opening handles needs CAP_DAC_READ_SEARCH)" : "");
            goto fail;
        }
        if (r < 0) {
            fprintf(stderr,
                    "fusetrace: file handles unavailable on %s (%s%s); using --handles=never: "
                    "every inode the kernel remembers will pin an fd\n",
                    cfg->source, strerror(-r),
                    r == -EPERM ? ": opening handles needs CAP_DAC_READ_SEARCH" : "");
            fs->cfg.handles = HANDLES_NEVER;
        }
    }
    fs->itab = itab_new(fs, fs->source_fd, &st, mnt_id);
    if (!fs->itab) {
        fprintf(stderr, "fusetrace: out of memory\n");
        goto fail;
    }
    /* Callers are described (to the recorder, and for per-request
     * credentials) by threads of their own, subscribed before the mount
     * exists: proc_events.h. */
    /* Callers' groups and capabilities matter for per-request credentials
     * and for the setuid bits a direct-I/O write must clear (op_write_buf):
     * --io=direct, --cache=never or an --io-rule asking for direct. */
    bool creds_matter = fs->creds || io_policy_may_ask(&fs->cfg.io, IO_DIRECT);
    fs->proc_events = rec_enabled() || creds_matter;
    if (fs->proc_events) {
        if (proc_reader_start(fs->creds) != 0) {
            fprintf(stderr, "fusetrace: cannot start the identity thread\n");
            fs->proc_events = false;
            goto fail;
        }
        proc_events_start(creds_matter);
    }
    return 0;
fail:
    fs_close(fs);
    return -1;
}

/* Filesystems whose stat can come from a client-side cache
 * (AT_STATX_DONT_SYNC lets them answer from it); every other ignores the
 * flag and answers with the inode as it is. */
static bool attrs_may_be_cached(long type)
{
    switch ((unsigned long)type) {
    case FUSE_SUPER_MAGIC:
    case NFS_SUPER_MAGIC:
    case SMB2_SUPER_MAGIC:
    case CIFS_SUPER_MAGIC:
    case V9FS_MAGIC:
    case CEPH_SUPER_MAGIC:
    case AFS_FS_MAGIC:
    case AFS_SUPER_MAGIC:
    case 0x01161970:           /* GFS2 */
    case OCFS2_SUPER_MAGIC:
        return true;
    default:
        return false;
    }
}

void fs_close(struct fs *fs)
{
    if (fs->proc_events) {
        proc_events_stop();
        /* A reader left behind may still update the table when its read
         * returns: then the table stays (the process is about to end). */
        if (proc_reader_stop())
            proc_table_free();
        fs->proc_events = false;
    }
    if (fs->itab)
        itab_free(fs->itab);   /* closes source_fd, root's pinned fd */
    else if (fs->source_fd >= 0)
        close(fs->source_fd);
    fht_free(fs->fht);
    mount_fds_free(fs->mfds);
    free(fs->daemon_groups);
    fs->daemon_groups = NULL;
    fs->itab = NULL;
    fs->fht = NULL;
    fs->mfds = NULL;
    fs->source_fd = -1;
}

/* ---- FUSE session ------------------------------------------------------- */

static int add_opt(struct fuse_args *args, const char *opt)
{
    return fuse_opt_add_arg(args, "-o") || fuse_opt_add_arg(args, opt) ? -1 : 0;
}

int session_mount(struct fs *fs, const char *fuse_opts, bool signals)
{
    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    char fsname[2 * PATH_MAX + 16];
    const char *src = fs->cfg.source;
    /* -o values are comma separated; libfuse takes "\," and "\\" literally. */
    size_t o = (size_t)snprintf(fsname, sizeof(fsname), "fsname=");
    for (const char *s = src; *s && o < sizeof(fsname) - 3; s++) {
        if (*s == ',' || *s == '\\')
            fsname[o++] = '\\';
        fsname[o++] = *s;
    }
    fsname[o] = '\0';
    /* Even kill -9 of the daemon must leave no dead mount: our own guard
     * process unmounts (unmount_guard.h explains why not auto_unmount). */
    bool root = geteuid() == 0;
    /* fsname (mount's source column) defaults to the source path, the
     * type to fuse.fusetrace; -o fsname= / subtype= replace them. */
    int bad = fuse_opt_add_arg(&args, "fusetrace") ||
              (!fs->cfg.own_subtype && add_opt(&args, "subtype=fusetrace")) ||
              (!fs->cfg.own_fsname && add_opt(&args, fsname));
    /* As root, device nodes and setuid bits in the source work as they do
     * in the source itself (fusermount3 would add nodev,nosuid); -o nodev or
     * -o nosuid, given later, still win. */
    if (!bad && root)
        bad = add_opt(&args, "dev,suid");
    if (!bad && fs->cfg.allow_other)
        bad = add_opt(&args, "allow_other");
    if (!bad && fs->cfg.default_permissions)
        bad = add_opt(&args, "default_permissions");
    if (!bad && fuse_opts && fuse_opts[0])
        bad = add_opt(&args, fuse_opts);
    if (!bad && fs->cfg.debug)
        bad = fuse_opt_add_arg(&args, "-d");
    if (bad) {
        fuse_opt_free_args(&args);
        fprintf(stderr, "fusetrace: out of memory\n");
        return -1;
    }
    fs->se = fuse_session_new(&args, &fusetrace_ops, sizeof(fusetrace_ops), fs);
    fuse_opt_free_args(&args);
    if (!fs->se) {
        fprintf(stderr, "fusetrace: cannot create the FUSE session (bad -o option?)\n");
        return -1;
    }
    /* A shell starts background jobs with SIGINT ignored, and libfuse keeps
     * an inherited SIG_IGN.  A user who sends SIGINT means "unmount". */
    if (signals) {
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
    }
    if (signals && fuse_set_signal_handlers(fs->se) != 0) {
        fprintf(stderr, "fusetrace: cannot install signal handlers\n");
        goto fail;
    }
    if (fuse_session_mount(fs->se, fs->cfg.mountpoint) != 0) {
        fprintf(stderr, "fusetrace: cannot mount on %s\n", fs->cfg.mountpoint);
        goto fail;
    }
    /* VFS flags libfuse does not take (mount_options.h): per-mount ones
     * now, before anything is served; superblock ones once it serves. */
    char err[512];
    if (vfs_flags_apply_mount(fs->cfg.mountpoint, &fs->cfg.vfs, err, sizeof(err)) < 0) {
        fprintf(stderr, "fusetrace: %s\n", err);
        fuse_session_unmount(fs->se);
        goto fail;
    }
    /* A daemon's guard must not keep the starting process's stderr open
     * (mount(8), or a shell reading it, would wait for it). */
    if (unmount_guard_start(fs->cfg.mountpoint, !fs->cfg.detached) != 0) {
        fprintf(stderr, "fusetrace: cannot start the unmount guard; not serving a mount "
                        "that could outlive us\n");
        fuse_session_unmount(fs->se);
        goto fail;
    }
    /* Our own record of which mount is ours, to tell an abort from an
     * unmount when the connection ends (session_note_disconnect). */
    char why[256];
    if (mount_identity_take(fs->cfg.mountpoint, false, &fs->mount_id, why, sizeof(why)) < 0) {
        fprintf(stderr, "fusetrace: cannot identify our mount: %s\n", why);
        fuse_session_unmount(fs->se);
        goto fail;
    }
    if (wire_tap_install(fs) != 0) {
        fprintf(stderr, "fusetrace: cannot install the wire tap\n");
        mount_identity_release(&fs->mount_id);
        fuse_session_unmount(fs->se);
        goto fail;
    }
    if (watchdog_start(fs) != 0) {
        mount_identity_release(&fs->mount_id);
        fuse_session_unmount(fs->se);
        goto fail;
    }
    return 0;
fail:
    if (signals)
        fuse_remove_signal_handlers(fs->se);
    fuse_session_destroy(fs->se);
    fs->se = NULL;
    return -1;
}

int session_loop(struct fs *fs)
{
    int r;
    if (fs->cfg.threads <= 1) {
        r = fuse_session_loop(fs->se);
    } else {
        struct fuse_loop_config *lc = fuse_loop_cfg_create();
        if (!lc)
            return -1;
        fuse_loop_cfg_set_max_threads(lc, fs->cfg.threads);
        fuse_loop_cfg_set_clone_fd(lc, 0);
        r = fuse_session_loop_mt(fs->se, lc);
        fuse_loop_cfg_destroy(lc);
    }
    /* 0: the read on /dev/fuse failed with ENODEV (a signal returns its
     * number).  Without the wire tap (no recording) nobody has looked yet. */
    if (r == 0)
        session_note_disconnect(fs);
    /* Unmounted from outside (fusermount3 -u) ends the loop with 0; a signal
     * ends it with the signal number, which is also a clean end. */
    return r < 0 ? -1 : 0;
}

void session_request_unmount(struct fs *fs)
{
    /* The loop ends when the kernel tears the connection down, which an
     * unmount does.  Root unmounts directly; a user goes through fusermount3.
     * Busy (a leftover process still uses the mount): detach lazily. */
    const char *mnt = fs->cfg.mountpoint;
    if (geteuid() == 0) {
        if (umount2(mnt, UMOUNT_NOFOLLOW) == 0)
            return;
        if (errno == EBUSY) {
            fprintf(stderr, "fusetrace: %s is still in use; detaching it lazily\n", mnt);
            if (umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                return;
        }
        fprintf(stderr, "fusetrace: unmounting %s: %s\n", mnt, strerror(errno));
    }
    pid_t pid = fork();
    if (pid == 0) {
        execlp("fusermount3", "fusermount3", "-u", "-z", "--", mnt, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

void session_end(struct fs *fs, bool signals)
{
    if (!fs->se)
        return;
    /* The loop has ended: the watchdog's last word (stalls still open) goes
     * into the recording, which closes after this. */
    watchdog_stop(fs);
    mount_identity_release(&fs->mount_id);
    fuse_session_unmount(fs->se);
    if (signals)
        fuse_remove_signal_handlers(fs->se);
    fuse_session_destroy(fs->se);
    fs->se = NULL;
}
