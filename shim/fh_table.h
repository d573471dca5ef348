/* fh_table.h — open file and directory handles (the `fh` the kernel holds).
 *
 * An fh value is (sequence << FH_SLOT_BITS) | slot: the slot makes lookup an
 * array index with no lock, the sequence makes every fh value unique for the
 * life of the mount, so a trace never shows two different opens under one fh.
 * The kernel sends no request on an fh after its RELEASE has been answered,
 * so an entry handed out by fht_get() stays valid until fht_remove().
 *
 * Invariants (fht_check() verifies them; debug builds, without NDEBUG, at
 * unmount):
 *  - the entry in slot s has an fh whose slot bits are s and whose sequence
 *    was handed out (0 < sequence < next), so no two live entries share an
 *    fh and no fh value is ever handed out twice;
 *  - count is the number of occupied slots, and every slot ever used is
 *    either occupied or on the free stack, never both.
 */
#ifndef FUSETRACE_SHIM_FH_TABLE_H
#define FUSETRACE_SHIM_FH_TABLE_H

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fh_entry {
    uint64_t fh;
    int fd;                    /* backing fd (opened for I/O, never O_PATH) */
    uint64_t nodeid;
    int flags;                 /* flags the backing fd was opened with */
    bool created;              /* FUSE_CREATE really created the file */
    bool direct;               /* O_DIRECT: I/O needs aligned bounce buffers */
    int cache_fd;              /* O_DIRECT and writable: the same file without
                                  O_DIRECT, for the kernel's own writes of
                                  cached pages (any length), else -1 */
    uint8_t io_mode;           /* the mode the open was answered in (io_mode.h); IO_NONE for directories */
    bool off_worker;           /* a procfs file: READs are served on a thread of their own
                                  (ops_file.c, proc_opened_off_worker) */
    /* directories */
    pthread_mutex_t dir_lock;  /* readdir calls on one handle are serialised */
    DIR *dp;
    off_t dir_offset;          /* position the next readdir continues from */
    struct dirent *dir_pending;/* entry read but not yet returned (did not fit) */
};

struct fh_table;

struct fh_table *fht_new(void);
void fht_free(struct fh_table *t);   /* closes whatever is still open */

/* Allocate an entry (zeroed, fd = cache_fd = -1) and give it an fh.  NULL on ENOMEM or
 * when every slot is taken (ENFILE). */
struct fh_entry *fht_add(struct fh_table *t);
struct fh_entry *fht_get(struct fh_table *t, uint64_t fh);
/* Remove from the table; the caller closes the fd and frees the entry. */
struct fh_entry *fht_remove(struct fh_table *t, uint64_t fh);
void fh_entry_free(struct fh_entry *e);   /* closes fd/dp, frees */

uint64_t fht_count(struct fh_table *t);

/* For the record of a passthrough open, release or create: the file's
 * size then (its data never reaches the daemon, so this is what the trace
 * can still say of it).  -1 for every other handle. */
int64_t fh_size_for_record(const struct fh_entry *e);

/* Check the invariants above: 0, or -1 with the first broken one in why.
 * Takes the table lock; O(slots used). */
int fht_check(struct fh_table *t, char *why, size_t len);

#endif
