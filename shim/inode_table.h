/* inode_table.h — nodeid ⇄ backing inode, with the kernel's lookup counts.
 *
 * Invariants (each is relied on elsewhere; break one and the trace lies):
 *  - A nodeid is a 64-bit counter value, handed out once and never again.
 *    Root is FUSE_ROOT_ID (1) and lives as long as the table.
 *  - A nodeid names one source file for the life of the mount, never
 *    another: a handle-backed entry forgotten by the kernel is remembered
 *    (retired.h, bounded) and a later lookup of the same file — by name, or
 *    a LOOKUP of "." when the kernel decodes one of its file handles —
 *    brings the same nodeid back (REVIVE).  An entry that pins an fd, or
 *    one the bounded memory dropped, comes back as a NEW nodeid.
 *  - An entry is in the table iff the kernel holds lookups on it
 *    (nlookup > 0), or it is root.  When nlookup reaches 0 the entry leaves
 *    every map at once.
 *  - An entry is found by its file handle (which carries the generation) when
 *    it has one.  It is found by (dev, ino, mnt_id) only when it pins an O_PATH
 *    fd: only a pinned inode cannot have had its number reused.
 *  - Handle-backed entries pin nothing; their working fd lives in the bounded
 *    LRU (fd_cache.c) and is reopened by handle when evicted.
 *  - `users` counts ops currently holding the entry (itab_get/itab_put).  An
 *    entry is freed only when it is out of the maps and users == 0, and its
 *    cached fd is evicted only while users == 0, so an fd handed to an op
 *    stays open until the op puts it.
 *  - No syscall on the source and no fuse_reply_* ever runs under the table
 *    lock; fds to close are collected and closed after unlocking.
 *  - Events are recorded under the table lock (their order in the trace is
 *    the order of the changes).  In the lossless mode a full ring makes the
 *    recording thread wait, table lock held, until the writer thread has
 *    drained it: that back-pressure is intended (nothing recorded is
 *    dropped, the filesystem slows down instead).  It cannot deadlock: the
 *    writer never takes the table lock (trace/ knows nothing of the shim),
 *    and its own I/O goes to a database that may not lie under the
 *    mountpoint, so it never waits on a request of this filesystem.
 *  - I/O modes (io_mode.h), which the kernel decides per inode from the
 *    OPEN/CREATE replies: io_opens[m] counts the inode's files the kernel
 *    holds open in mode m — counted when the open is decided, given back
 *    at its RELEASE or when its reply failed.  The kernel drops a file
 *    from its own count before it sends RELEASE, so its counts are never
 *    above ours, and an open answered in the mode our counts allow is never
 *    refused by the kernel.  io_mode is PASSTHROUGH iff a passthrough file
 *    is open, and then no cached or direct file is (a passthrough open is
 *    granted only to an inode with no file open, and every later open of a
 *    passthrough inode is passthrough too); CACHED iff a cached file is open
 *    (direct files may be open beside it); DIRECT iff only direct files
 *    are; NONE iff none is.  The first open decides; later opens follow
 *    the inode's mode, and an open whose rule asked for another mode is
 *    recorded as IO_CONFLICT, never refused.
 *  - backing_id != 0 iff io_mode is PASSTHROUGH: the backing file is
 *    registered (FUSE_DEV_IOC_BACKING_OPEN) by the open that makes the
 *    inode passthrough and closed (FUSE_DEV_IOC_BACKING_CLOSE) at the
 *    release of its last passthrough file.  Neither ioctl runs under the
 *    table lock.
 *  - An entry with open files is in the maps: the kernel holds the inode
 *    while a file is open and forgets it only after the RELEASE is
 *    answered.
 * itab_check() verifies all of this that a snapshot can show; debug builds
 * (without NDEBUG) check the entry and the counts on every forget and the
 * whole table at unmount, and stop the daemon where an invariant broke.
 */
#ifndef FUSETRACE_SHIM_INODE_TABLE_H
#define FUSETRACE_SHIM_INODE_TABLE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "shim/fs.h"
#include "trace/recorder.h"

struct inode;

/* What a lookup-like op found on the source, handed to itab_ref_found(). */
struct found {
    int fd;                        /* O_PATH fd of the object (ownership passes to the table) */
    struct stat st;
    uint64_t mnt_id;
    struct file_handle *handle;    /* malloc'ed, ownership passes; NULL if none */
    int handle_err;                /* why there is no handle (0 = policy never) */
};

struct inode_table *itab_new(struct fs *fs, int root_fd, const struct stat *root_st, uint64_t root_mnt_id);
void itab_free(struct inode_table *t);   /* unmount: records FREE for what is left */

/* Find the entry for `f` or insert a new one, and take one lookup reference,
 * atomically.  Consumes f->fd and f->handle in every case.  Returns the
 * nodeid (> 1), or 0 when out of memory.  *is_new (if is_new is not NULL)
 * says whether this call created the entry.  `cause`, `parent` and `name`
 * are for the record. */
uint64_t itab_ref_found(struct inode_table *t, struct found *f, enum rec_cause cause,
                        uint64_t parent, const char *name, bool *is_new);

/* LOOKUP of "." in `nodeid`: the kernel decodes a file handle of its own
 * for an inode it no longer caches.  A live nodeid takes one more lookup:
 * 0.  A forgotten one that is remembered: 1, with a malloc'ed copy of its
 * source handle in *h and its mount id in *mnt_id, for the caller to open
 * and pass to itab_revive.  Unknown: -ESTALE (recorded). */
int itab_ref_self(struct inode_table *t, uint64_t nodeid, enum rec_cause cause,
                  struct file_handle **h, uint64_t *mnt_id);

/* Bring the forgotten `nodeid` back for `f` (opened by its remembered
 * handle), with one lookup: REVIVE.  Consumes f->fd and f->handle.  0, or
 * -ESTALE if the file is now live under another nodeid, -ENOMEM. */
int itab_revive(struct inode_table *t, struct found *f, uint64_t nodeid, enum rec_cause cause);

/* Record that a request for `nodeid` found it stale (err: why). */
void itab_record_stale(struct inode_table *t, uint64_t nodeid, enum rec_cause cause, int err);

/* Whether (st, mnt_id) is the source root's identity. */
bool itab_is_root_ids(struct inode_table *t, const struct stat *st, uint64_t mnt_id);

/* Take one more lookup on a live nodeid (link replies with the existing
 * entry).  Returns 0 or -ESTALE. */
int itab_ref(struct inode_table *t, uint64_t nodeid, enum rec_cause cause);

/* Give back n lookups (FORGET, BATCH_FORGET, or undoing a failed reply). */
void itab_unref(struct inode_table *t, uint64_t nodeid, uint64_t n, enum rec_cause cause);

/* Borrow an entry for the duration of an op.  NULL (and a STALE record) for
 * an unknown or forgotten nodeid: the caller replies ESTALE. */
struct inode *itab_get(struct inode_table *t, uint64_t nodeid);
void itab_put(struct inode_table *t, struct inode *ino);

/* An O_PATH fd for the borrowed entry, valid until itab_put: the pinned fd,
 * or the cached fd, reopened by handle if the LRU evicted it.  Returns the fd
 * or -errno (ESTALE when the handle no longer resolves). */
int inode_fd(struct inode_table *t, struct inode *ino);

/* Out of fds (EMFILE/ENFILE): close half of the idle cached fds so the
 * failed open can be retried.  Returns how many were closed. */
int itab_shed_fds(struct inode_table *t);

/* ---- I/O modes (inode_io.c) ---- */

/* Decide the mode of an open of `ino` that asks for `asked`, and count the
 * open.  `fd` is the open's backing fd: registered as the inode's backing
 * file if this open makes the inode passthrough.  `path` names the file in
 * the record.  Returns the mode granted; *backing_id is the id to put in
 * the reply for a passthrough open (else 0).  Records IO_MODE, IO_CONFLICT
 * and BACKING_OPEN as they happen. */
enum io_mode itab_io_open(struct inode_table *t, struct inode *ino, enum io_mode asked, int fd,
                          const char *path, int32_t *backing_id);

/* Give back an open counted by itab_io_open (its RELEASE, or its reply
 * failed: why).  Closes the backing file after the last passthrough file. */
void itab_io_release(struct inode_table *t, uint64_t nodeid, enum io_mode mode, enum io_why why);

/* The inode's current mode and backing id (for tests). */
enum io_mode itab_io_mode(struct inode_table *t, uint64_t nodeid, int32_t *backing_id);

uint64_t inode_nodeid(const struct inode *ino);
mode_t inode_type(const struct inode *ino);     /* S_IFMT bits */
uint64_t inode_mnt_id(const struct inode *ino);
dev_t inode_dev(const struct inode *ino);

/* Check the invariants above (maps, counts, fd cache): 0, or -1 with the
 * first broken one in why.  Takes the table lock; O(entries). */
int itab_check(struct inode_table *t, char *why, size_t len);

/* Counters for tests and stats. */
struct itab_stats {
    uint64_t entries;         /* live entries incl. root */
    uint64_t pinned_fds;
    uint64_t cached_fds;
    uint64_t evictions;
    uint64_t handle_entries;
    uint64_t fallbacks;
    uint64_t reuse_detected;
    uint64_t revived;         /* forgotten nodeids brought back (REVIVE) */
    uint64_t retired;         /* forgotten nodeids remembered now */
};
void itab_get_stats(struct inode_table *t, struct itab_stats *out);

#endif
