/* rec_map.c — linear probing with backward-shift deletion, so that the map
 * needs no tombstones and stays fast under the constant insert/delete churn
 * of in-flight requests. */
#include "util/u64map.h"

#include <stdlib.h>

static size_t slot(uint64_t key, size_t cap)
{
    /* Fibonacci hashing: uniques advance in steps of 2, nodeids by 1. */
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

void rmap_free(struct rmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = m->vals = NULL;
    m->cap = m->n = 0;
}

static bool grow(struct rmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    uint64_t *nk = calloc(ncap, sizeof *nk);
    uint64_t *nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = slot(m->keys[i], ncap);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return true;
}

bool rmap_put(struct rmap *m, uint64_t key, uint64_t val)
{
    if (!key)
        return true;
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return false;
    size_t i = slot(key, m->cap);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
    return true;
}

bool rmap_get(const struct rmap *m, uint64_t key, uint64_t *val)
{
    if (!key || !m->cap)
        return false;
    size_t i = slot(key, m->cap);
    while (m->keys[i]) {
        if (m->keys[i] == key) {
            if (val)
                *val = m->vals[i];
            return true;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return false;
}

bool rmap_del(struct rmap *m, uint64_t key, uint64_t *val)
{
    if (!key || !m->cap)
        return false;
    size_t mask = m->cap - 1;
    size_t i = slot(key, m->cap);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & mask;
    if (!m->keys[i])
        return false;
    if (val)
        *val = m->vals[i];
    /* Backward shift: pull later members of the probe run into the hole
     * when their home slot does not lie between the hole and them. */
    size_t hole = i;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->keys[j])
            break;
        size_t home = slot(m->keys[j], m->cap);
        bool movable = hole <= j ? (home <= hole || home > j)
                                 : (home <= hole && home > j);
        if (movable) {
            m->keys[hole] = m->keys[j];
            m->vals[hole] = m->vals[j];
            hole = j;
        }
    }
    m->keys[hole] = 0;
    m->vals[hole] = 0;
    m->n--;
    return true;
}

bool rmap_next(const struct rmap *m, size_t *pos, uint64_t *key, uint64_t *val)
{
    while (*pos < m->cap) {
        size_t i = (*pos)++;
        if (m->keys[i]) {
            *key = m->keys[i];
            *val = m->vals[i];
            return true;
        }
    }
    return false;
}
