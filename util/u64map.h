/* rec_map.h — a small open-addressing hash map from u64 to u64, used by the
 * writer thread only (unique -> in-flight opcode, nodeid -> path, pid ->
 * process, call-name pointer -> id).  Key 0 is reserved as "empty": none of
 * those keys is ever 0 when it matters (unique 0 is a notification, pid 0
 * the kernel, nodeid 0 invalid), and rmap_put() ignores it. */
#ifndef FUSETRACE_UTIL_U64MAP_H
#define FUSETRACE_UTIL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rmap {
    uint64_t *keys;
    uint64_t *vals;
    size_t cap;                /* power of two, 0 before first put */
    size_t n;
};

void rmap_free(struct rmap *m);
/* Insert or replace.  Returns false only on allocation failure. */
bool rmap_put(struct rmap *m, uint64_t key, uint64_t val);
bool rmap_get(const struct rmap *m, uint64_t key, uint64_t *val);
/* Remove; the old value is stored in *val when val is not NULL. */
bool rmap_del(struct rmap *m, uint64_t key, uint64_t *val);

/* Iterate: *pos starts at 0. */
bool rmap_next(const struct rmap *m, size_t *pos, uint64_t *key, uint64_t *val);

#endif
