/* retired.h — the memory of forgotten nodeids, so that the kernel's file
 * handles stay decodable.
 *
 * The kernel hands out file handles for files on the mount
 * (name_to_handle_at, NFS export, fanotify) that carry the nodeid.  It
 * decodes one from its own inode cache while the inode is there; after it
 * forgot the inode (FORGET: memory pressure, drop_caches) it asks the
 * daemon with a LOOKUP of "." in that nodeid.  Nodeids are never reused
 * for another file, and a handle-backed entry is keyed by the source
 * file's own handle, so a forgotten nodeid can be brought back exactly: a
 * bounded map remembers, for the most recently forgotten handle-backed
 * entries, nodeid → (mount id, source handle) and back.  The same map makes
 * a later lookup by name of such a file return its old nodeid, so one file
 * never has two nodeids at once and the kernel's handles for it stay the
 * same, as natively.
 *
 * Entries that pin an O_PATH fd instead (no handles on that filesystem, or
 * --handles=never) cannot be found again once forgotten: their nodeids are
 * not remembered, and a kernel handle naming one decodes to ESTALE.
 *
 * Not thread-safe: every call is made under the inode table's lock, and
 * makes no syscall.
 */
#ifndef FUSETRACE_SHIM_RETIRED_H
#define FUSETRACE_SHIM_RETIRED_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* How many forgotten nodeids are remembered: about 100 bytes each. */
#define RETIRED_LIMIT 65536

struct retired_set;

struct retired_set *retired_new(unsigned limit);
void retired_free(struct retired_set *s);

/* Remember a forgotten entry (the handle is copied).  If that takes the set
 * over its limit, the oldest entry is dropped and its nodeid returned in
 * *expired (else 0).  0, or -ENOMEM (nothing remembered). */
int retired_add(struct retired_set *s, uint64_t nodeid, uint64_t mnt_id,
                const struct file_handle *h, uint64_t *expired);

/* The nodeid remembered for this handle, removed from the set; 0 if none. */
uint64_t retired_take_handle(struct retired_set *s, const struct file_handle *h, uint64_t mnt_id);

/* A copy (malloc'ed) of the handle remembered for nodeid, and its mount id;
 * NULL if the nodeid is not remembered (or no memory).  The entry stays. */
struct file_handle *retired_handle_of(struct retired_set *s, uint64_t nodeid, uint64_t *mnt_id);

/* Forget nodeid (it is live again).  No-op if absent. */
void retired_remove(struct retired_set *s, uint64_t nodeid);

unsigned retired_count(const struct retired_set *s);

#endif
