/* inode.h — the table's entry and the table itself, shared by the two files
 * that operate on them under the table lock: inode_table.c (maps, lookup
 * counts) and fd_cache.c (the LRU of reopened fds).  Nothing else includes
 * this; ops see only inode_table.h. */
#ifndef FUSETRACE_SHIM_INODE_H
#define FUSETRACE_SHIM_INODE_H

#include <pthread.h>

#include "shim/inode_table.h"
#include "shim/retired.h"
#include "shim/io_mode.h"

enum { MAP_BY_NODEID, MAP_BY_IDS, MAP_BY_HANDLE, MAP_COUNT };

struct inode {
    uint64_t nodeid;
    uint64_t nlookup;             /* the kernel's lookup count */
    uint32_t users;               /* ops holding the entry (itab_get) */
    bool in_maps;                 /* false once forgotten: freed at users == 0 */
    bool pinned;                  /* fd is an O_PATH fd held for the entry's life */
    int fd;                       /* pinned fd, or cached fd (-1 when evicted) */
    dev_t dev;
    ino_t ino;
    uint64_t mnt_id;
    mode_t type;
    struct file_handle *handle;   /* NULL for pinned entries */
    struct inode *map_next[MAP_COUNT];
    struct inode *lru_prev, *lru_next;   /* fd_cache list; both NULL when not cached */
    /* I/O mode of the inode's open files (rules in inode_table.h) */
    uint32_t io_opens[IO_MODE_COUNT];    /* open files per mode; [IO_NONE] unused */
    uint8_t io_mode;                     /* enum io_mode */
    int32_t backing_id;                  /* registered backing file, 0 = none */
};

struct inode_map {
    struct inode **buckets;
    size_t nbuckets;              /* power of two */
    size_t count;
};

struct inode_table {
    pthread_mutex_t lock;
    struct fs *fs;
    uint64_t next_nodeid;
    struct inode_map maps[MAP_COUNT];
    struct inode *root;
    struct retired_set *retired;   /* forgotten handle-backed nodeids (retired.h) */
    /* fd cache: most recently used at head */
    struct inode *lru_head, *lru_tail;
    unsigned cached;
    unsigned limit;
    struct itab_stats stats;
};

/* fd_cache.c — all called with t->lock held.  Evicted fds are appended to
 * `close_later` (capacity `cap`) and closed by the caller after unlocking. */
void fdc_insert(struct inode_table *t, struct inode *ino, int fd);
void fdc_touch(struct inode_table *t, struct inode *ino);
void fdc_remove(struct inode_table *t, struct inode *ino);
int fdc_trim(struct inode_table *t, int *close_later, int cap);

/* inode_io.c — what is wrong with the I/O state of entry n, or NULL.
 * Under t->lock. */
const char *io_state_broken(const struct inode *n);

#endif
