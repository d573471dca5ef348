/* rec_paths.h — the full path of every node as it is at each moment, kept by
 * the writer so that a request row stores the path it acted on as a small
 * integer (`path.id`) instead of text, and no reader has to rebuild history.
 *
 * A node is known by one (parent node, name) at a time: its *current name*.
 * Names come from what the kernel was told, in time order:
 *   - a NEW inode event (the entry the shim created),
 *   - every successful entry reply (LOOKUP, MKNOD, MKDIR, SYMLINK, CREATE,
 *     LINK) and every READDIRPLUS entry that carries a node id,
 *   - a successful RENAME/RENAME2 (the node moves; with RENAME_EXCHANGE the
 *     two nodes swap names), UNLINK and RMDIR (the name stops naming the
 *     node, which keeps its last path for the requests still made on it).
 * A hard-linked node has several names; the current one is the one the
 * kernel obtained it by most recently (the last entry reply naming it, or
 * a rename of that name), which is the name a program that just opened it
 * used.
 *
 * Paths are interned: one `path` row per distinct (directory path, name),
 * with the directory's path id, so a directory renamed above a file yields
 * new rows for the paths below it as they are next used, and the old rows
 * stay valid for the requests that used them.  A node's path is cached and
 * recomputed after a rename that could have changed it (a generation
 * counter, bumped when a node with children is renamed).  The interned
 * texts are bounded (PATHS_MAX_BYTES): past it the table is forgotten and
 * rebuilt on use, so a very large session may store one text under two
 * ids (readers group by text, not by id).
 *
 * Writer thread only; no locking. */
#ifndef FUSETRACE_TRACE_REC_PATHS_H
#define FUSETRACE_TRACE_REC_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATHS_MAX_BYTES (64u << 20)
#define PATHS_ROOT_ID 1        /* path.id of "/" */

struct paths;

/* Where new `path` rows go: called once per interned path, before its id
 * is handed out.  `dir` is 0 for "/".  Returns an SQLite code; a failure
 * is passed back by the call that interned. */
typedef int (*paths_row_fn)(void *ctx, int64_t id, int64_t dir, const char *text, size_t len);

struct paths *paths_new(paths_row_fn row, void *ctx);
void paths_free(struct paths *p);

/* The path id of a node now (0: not known, e.g. the kernel's knowledge of
 * it predates what was recorded), and its text when `text` is not NULL
 * (valid until the next call).  Returns an SQLite code. */
int paths_node(struct paths *p, uint64_t nodeid, int64_t *id, const char **text);
/* The path id of entry `name` in directory node `dir` (0: not known). */
int paths_child(struct paths *p, uint64_t dir, const char *name, size_t len, int64_t *id);

/* `nodeid` is now known as `name` in `parent`.  *renamed is set when the
 * node had another current name before (a history row is due). */
void paths_name(struct paths *p, uint64_t nodeid, uint64_t parent, const char *name,
                size_t len, bool *renamed);
/* A successful rename: the node named (olddir, old) becomes (newdir, new);
 * a node named (newdir, new) loses that name, or with `exchange` takes
 * (olddir, old).  Sets moved[0..1] to the nodes renamed (0 = none). */
void paths_rename(struct paths *p, uint64_t olddir, const char *old, size_t oldlen,
                  uint64_t newdir, const char *new_, size_t newlen, bool exchange,
                  uint64_t moved[2]);
/* A successful UNLINK/RMDIR of (dir, name). */
void paths_unlink(struct paths *p, uint64_t dir, const char *name, size_t len);
/* The node is gone from the inode table (FREE). */
void paths_forget(struct paths *p, uint64_t nodeid);

/* The current name of a known node (for history rows); false if unknown. */
bool paths_current(struct paths *p, uint64_t nodeid, uint64_t *parent, const char **name,
                   size_t *len);

#endif
