/* test_inode_table.c — unit tests of shim/inode_table.c and fd_cache.c on a
 * real directory (ext4 under /tmp): nodeids, stale ids, lookup counting and
 * rollback, forget/lookup interleavings, handle identity vs inode-number
 * reuse, and the fd cache bound.  Runs as root (handles need
 * CAP_DAC_READ_SEARCH); exits 77 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/handle.h"
#include "shim/stat_id.h"
#include "shim/fh_table.h"
#include "shim/inode.h"
#include "shim/inode_table.h"
#include "shim/op_common.h"
#include "tests/lib/tcheck.h"
#include "shim/retired.h"


static char dir[] = "/tmp/fusetrace-unit.XXXXXX";

static void setup_fs(struct fs *fs, enum handle_policy policy, unsigned fd_cache)
{
    memset(fs, 0, sizeof(*fs));
    fs->cfg.handles = policy;
    fs->cfg.fd_cache = fd_cache;
    fs->source_fd = open(dir, O_PATH | O_DIRECTORY);
    struct stat st;
    uint64_t mnt;
    if (fs->source_fd < 0 || stat_with_mnt_id(fs->source_fd, &st, &mnt) < 0) {
        perror("setup");
        exit(99);
    }
    fs->mfds = mount_fds_new();
    if (policy != HANDLES_NEVER && handles_probe(fs->mfds, fs->source_fd, mnt) < 0) {
        fprintf(stderr, "handles do not work here\n");
        exit(77);
    }
    fs->itab = itab_new(fs, fs->source_fd, &st, mnt);
    fs->attr_timeout = fs->entry_timeout = 1;
}

/* The table's invariants hold (itab_check) at this point of a test. */
static void check_table(struct fs *fs, const char *where)
{
    char why[200] = "";
    CHECK_MSG(itab_check(fs->itab, why, sizeof why) == 0, "%s: %s", where, why);
}

static void teardown_fs(struct fs *fs)
{
    check_table(fs, "teardown");
    itab_free(fs->itab);
    mount_fds_free(fs->mfds);
}

static void touch(const char *name)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, name, strlen(name)) < 0) {
        perror(p);
        exit(99);
    }
    close(fd);
}

static uint64_t lookup(struct fs *fs, const char *name)
{
    struct fuse_entry_param e = { 0 };
    int r = entry_lookup(fs, NULL, fs->source_fd, 1, name, 0, REC_CAUSE_LOOKUP, &e);
    return r < 0 ? 0 : e.ino;
}

static void test_counting(enum handle_policy policy)
{
    struct fs fs;
    setup_fs(&fs, policy, 16);
    touch("a");
    uint64_t a1 = lookup(&fs, "a");
    uint64_t a2 = lookup(&fs, "a");
    CHECK_MSG(a1 > 1, "first nodeid %llu", (unsigned long long)a1);
    CHECK_MSG(a1 == a2, "same file, same nodeid while referenced: %llu vs %llu",
          (unsigned long long)a1, (unsigned long long)a2);

    /* stale: unknown nodeids are refused, never guessed */
    CHECK_MSG(itab_get(fs.itab, 999999) == NULL, "unknown nodeid must be stale");
    CHECK_MSG(itab_ref(fs.itab, 999999, REC_CAUSE_LINK) == -ESTALE, "ref of unknown nodeid");

    /* two lookups, forget one: still there; forget the other: gone */
    itab_unref(fs.itab, a1, 1, REC_CAUSE_FORGET);
    struct inode *ino = itab_get(fs.itab, a1);
    CHECK_MSG(ino != NULL, "entry with nlookup 1 left must live");
    itab_put(fs.itab, ino);
    itab_unref(fs.itab, a1, 1, REC_CAUSE_FORGET);
    CHECK_MSG(itab_get(fs.itab, a1) == NULL, "forgotten nodeid must be stale");

    /* found again: a handle-backed file gets its forgotten nodeid back
     * (so the kernel's file handles for it stay valid); a pinned entry is
     * not remembered and gets a new one.  Never another file's nodeid. */
    uint64_t a3 = lookup(&fs, "a");
    if (policy == HANDLES_NEVER)
        CHECK_MSG(a3 > a1, "pinned entries are not revived: %llu after %llu",
              (unsigned long long)a3, (unsigned long long)a1);
    else
        CHECK_MSG(a3 == a1, "a forgotten handle-backed file gets its nodeid back: %llu, was %llu",
              (unsigned long long)a3, (unsigned long long)a1);

    /* reply-failure rollback gives the reference back exactly */
    uint64_t a4 = lookup(&fs, "a");
    CHECK_MSG(a4 == a3, "same entry");
    itab_unref(fs.itab, a4, 1, REC_CAUSE_REPLY_FAILED);
    ino = itab_get(fs.itab, a3);
    CHECK_MSG(ino != NULL, "rollback of one of two refs keeps the entry");
    itab_put(fs.itab, ino);

    check_table(&fs, "after rollback");

    /* a FORGET larger than the count frees, never underflows */
    itab_unref(fs.itab, a3, 1000, REC_CAUSE_BATCH_FORGET);
    CHECK_MSG(itab_get(fs.itab, a3) == NULL, "over-forget frees");
    check_table(&fs, "after over-forget");

    /* an entry borrowed by an op survives its final forget until put */
    uint64_t b = lookup(&fs, "a");
    ino = itab_get(fs.itab, b);
    itab_unref(fs.itab, b, 1, REC_CAUSE_FORGET);
    int fd = inode_fd(fs.itab, ino);
    struct stat st;
    CHECK_MSG(fd >= 0 && fstat(fd, &st) == 0, "borrowed entry's fd must stay valid");
    check_table(&fs, "forgotten entry still borrowed");
    itab_put(fs.itab, ino);
    CHECK_MSG(itab_get(fs.itab, b) == NULL, "freed after put");

    /* root is immortal */
    itab_unref(fs.itab, 1, 5, REC_CAUSE_FORGET);
    ino = itab_get(fs.itab, 1);
    CHECK_MSG(ino != NULL, "root survives forget");
    itab_put(fs.itab, ino);

    struct itab_stats s;
    itab_get_stats(fs.itab, &s);
    CHECK_MSG(s.entries == 1, "only root left, have %llu", (unsigned long long)s.entries);
    teardown_fs(&fs);
    unlink("/tmp/x");
}

/* --io and --io-rule: GLOB:MODE split at the last ':', the first matching
 * rule wins, a GLOB with '/' matches the path below the root, any other
 * the file's name; bad specs are refused with a reason. */
static void test_io_rules(void)
{
    struct io_policy p = { .dflt = IO_DIRECT };
    char why[128];
    char r1[] = "big/*.iso:passthrough", r2[] = "*.iso:cached", r3[] = "a:b:c*:direct";
    char bad1[] = "nomode", bad2[] = "*.x:fast", bad3[] = ":cached";
    CHECK(!io_policy_may_ask(&p, IO_PASSTHROUGH));
    CHECK(io_rule_add(&p, r1, why, sizeof why) == 0);
    CHECK(io_rule_add(&p, r2, why, sizeof why) == 0);
    CHECK(io_rule_add(&p, r3, why, sizeof why) == 0);
    CHECK(io_policy_may_ask(&p, IO_PASSTHROUGH));
    CHECK(io_policy_may_ask(&p, IO_DIRECT) && io_policy_may_ask(&p, IO_CACHED));
    CHECK(io_rule_add(&p, bad1, why, sizeof why) < 0 && strstr(why, "GLOB:MODE"));
    CHECK(io_rule_add(&p, bad2, why, sizeof why) < 0 && strstr(why, "'fast'"));
    CHECK(io_rule_add(&p, bad3, why, sizeof why) < 0);
    CHECK(p.nrules == 3);
    int rule = -2;
    CHECK(io_policy_choose(&p, "big/x.iso", &rule) == IO_PASSTHROUGH && rule == 0);
    CHECK(io_policy_choose(&p, "small/x.iso", &rule) == IO_CACHED && rule == 1);
    CHECK(io_policy_choose(&p, "x.iso", &rule) == IO_CACHED && rule == 1);
    /* no FNM_PATHNAME: a star matches slashes too, so big/ and a star is all below big */
    CHECK(io_policy_choose(&p, "big/deeper/x.iso", &rule) == IO_PASSTHROUGH && rule == 0);
    CHECK(io_policy_choose(&p, "d/a:b:cat", &rule) == IO_DIRECT && rule == 2);
    CHECK(io_policy_choose(&p, "x.txt", &rule) == IO_DIRECT && rule == -1);
    enum io_mode m;
    CHECK(io_mode_parse("passthrough", &m) == 0 && m == IO_PASSTHROUGH);
    CHECK(io_mode_parse("none", &m) < 0);
    CHECK(!strcmp(io_mode_name(IO_CACHED), "cached") && !strcmp(io_mode_name((enum io_mode)9), "?"));
    struct io_policy full = { .dflt = IO_CACHED };
    char spec[IO_RULES_MAX + 1][16];
    for (int i = 0; i <= IO_RULES_MAX; i++) {
        snprintf(spec[i], sizeof spec[i], "f%d:direct", i);
        CHECK((io_rule_add(&full, spec[i], why, sizeof why) == 0) == (i < IO_RULES_MAX));
    }
}

/* I/O modes without a kernel: the mode follows the inode's open files as
 * the kernel requires, and passthrough that was not negotiated at INIT is
 * served cached (an IO_CONFLICT, never an error). */
static void test_io_modes(void)
{
    struct fs fs;
    setup_fs(&fs, HANDLES_PREFER, 16);
    touch("io");
    uint64_t n = lookup(&fs, "io");
    CHECK(n > 1);
    struct inode *ino = itab_get(fs.itab, n);
    int32_t bid = -1;
    CHECK(itab_io_mode(fs.itab, n, &bid) == IO_NONE && bid == 0);
    /* direct first, then cached joins: the inode is cached while both are open */
    CHECK(itab_io_open(fs.itab, ino, IO_DIRECT, -1, "io", &bid) == IO_DIRECT && bid == 0);
    CHECK(itab_io_mode(fs.itab, n, &bid) == IO_DIRECT);
    CHECK(itab_io_open(fs.itab, ino, IO_CACHED, -1, "io", &bid) == IO_CACHED);
    CHECK(itab_io_mode(fs.itab, n, &bid) == IO_CACHED);
    check_table(&fs, "direct+cached");
    /* passthrough asked while files are open, and not negotiated: cached */
    CHECK(itab_io_open(fs.itab, ino, IO_PASSTHROUGH, -1, "io", &bid) == IO_CACHED && bid == 0);
    itab_io_release(fs.itab, n, IO_CACHED, IO_WHY_RELEASE);
    itab_io_release(fs.itab, n, IO_CACHED, IO_WHY_RELEASE);
    CHECK(itab_io_mode(fs.itab, n, &bid) == IO_DIRECT);
    itab_io_release(fs.itab, n, IO_DIRECT, IO_WHY_RELEASE);
    CHECK(itab_io_mode(fs.itab, n, &bid) == IO_NONE);
    /* a release of a mode with no open file changes nothing */
    itab_io_release(fs.itab, n, IO_DIRECT, IO_WHY_RELEASE);
    CHECK(itab_io_mode(fs.itab, n, &bid) == IO_NONE);
    check_table(&fs, "after releases");
    /* first open of a free inode asking passthrough, not negotiated: cached */
    CHECK(itab_io_open(fs.itab, ino, IO_PASSTHROUGH, -1, "io", &bid) == IO_CACHED);
    itab_io_release(fs.itab, n, IO_CACHED, IO_WHY_REPLY_FAILED);
    itab_put(fs.itab, ino);
    itab_unref(fs.itab, n, 1, REC_CAUSE_FORGET);
    teardown_fs(&fs);
}

/* ext4 hands a freed inode number to the next file created in the same
 * directory.  A handle-keyed table must give the new file a new nodeid while
 * the old one is still referenced; a by-ids match would serve the wrong
 * file. */
static void test_reuse(void)
{
    struct fs fs;
    /* A cached fd pins its inode just as a pinned fd would; with a cache of
     * one, looking up "evict" closes the old file's fd, so only the handle
     * remembers it — the situation in which the number can be reused. */
    setup_fs(&fs, HANDLES_PREFER, 1);
    touch("evict");
    char p[256];
    int tries = 0;
    bool reused = false;
    for (; tries < 200 && !reused; tries++) {
        touch("old");
        uint64_t old = lookup(&fs, "old");
        uint64_t ev = lookup(&fs, "evict");
        struct stat st_old;
        snprintf(p, sizeof(p), "%s/old", dir);
        stat(p, &st_old);
        unlink(p);
        touch("new");
        struct stat st_new;
        snprintf(p, sizeof(p), "%s/new", dir);
        stat(p, &st_new);
        if (st_new.st_ino == st_old.st_ino) {
            reused = true;
            uint64_t nw = lookup(&fs, "new");
            CHECK_MSG(nw != old && nw > old, "reused inode number must get a new nodeid (%llu vs %llu)",
                  (unsigned long long)nw, (unsigned long long)old);
            struct itab_stats s;
            itab_get_stats(fs.itab, &s);
            CHECK_MSG(s.reuse_detected >= 1, "reuse must be detected");
            /* the old nodeid must not resolve to the new file */
            struct inode *ino = itab_get(fs.itab, old);
            if (ino) {
                int fd = inode_fd(fs.itab, ino);
                CHECK_MSG(fd < 0, "old handle must not open the new file (fd %d)", fd);
                itab_put(fs.itab, ino);
            }
            itab_unref(fs.itab, nw, 1, REC_CAUSE_FORGET);
        }
        itab_unref(fs.itab, old, 1, REC_CAUSE_FORGET);
        itab_unref(fs.itab, ev, 1, REC_CAUSE_FORGET);
        unlink(p);
    }
    printf("reuse: inode number reused after %d tries\n", tries);
    CHECK_MSG(reused, "ext4 never reused an inode number in %d tries", tries);
    teardown_fs(&fs);
}

static void test_fd_bound(void)
{
    struct fs fs;
    const unsigned limit = 8, files = 200;
    setup_fs(&fs, HANDLES_PREFER, limit);
    uint64_t ids[200];
    char name[32];
    for (unsigned i = 0; i < files; i++) {
        snprintf(name, sizeof(name), "f%u", i);
        touch(name);
        ids[i] = lookup(&fs, name);
        struct itab_stats s;
        itab_get_stats(fs.itab, &s);
        CHECK_MSG(s.cached_fds <= limit, "cache holds %llu fds > limit %u",
              (unsigned long long)s.cached_fds, limit);
    }
    /* every entry still works: evicted ones are reopened by handle */
    for (unsigned i = 0; i < files; i++) {
        struct inode *ino = itab_get(fs.itab, ids[i]);
        int fd = ino ? inode_fd(fs.itab, ino) : -1;
        struct stat st;
        CHECK_MSG(fd >= 0 && fstat(fd, &st) == 0, "entry %u unusable", i);
        itab_put(fs.itab, ino);
    }
    struct itab_stats s;
    itab_get_stats(fs.itab, &s);
    CHECK_MSG(s.evictions > 0 && s.cached_fds <= limit, "evictions %llu cached %llu",
          (unsigned long long)s.evictions, (unsigned long long)s.cached_fds);
    CHECK_MSG(s.pinned_fds == 1, "handle mode pins only root, have %llu", (unsigned long long)s.pinned_fds);
    for (unsigned i = 0; i < files; i++) {
        itab_unref(fs.itab, ids[i], 1, REC_CAUSE_FORGET);
        snprintf(name, sizeof(name), "%s/f%u", dir, i);
        unlink(name);
    }
    teardown_fs(&fs);
}

/* The decode path: a LOOKUP of "." in a forgotten nodeid (the kernel
 * decoding one of its file handles) brings the entry back under the same
 * nodeid; a deleted file's handle is stale; an unknown nodeid is stale. */
static void test_revive(void)
{
    struct fs fs;
    setup_fs(&fs, HANDLES_PREFER, 16);
    touch("r");
    touch("gone");
    uint64_t n = lookup(&fs, "r"), g = lookup(&fs, "gone");
    CHECK_MSG(n > 1 && g > 1, "lookups %llu %llu", (unsigned long long)n, (unsigned long long)g);
    struct file_handle *h;
    uint64_t mnt;
    CHECK_MSG(itab_ref_self(fs.itab, n, REC_CAUSE_LOOKUP_DOT, &h, &mnt) == 0,
          "a live nodeid takes one more lookup");
    itab_unref(fs.itab, n, 2, REC_CAUSE_FORGET);
    itab_unref(fs.itab, g, 1, REC_CAUSE_FORGET);
    CHECK_MSG(itab_get(fs.itab, n) == NULL, "forgotten");

    CHECK_MSG(itab_ref_self(fs.itab, n, REC_CAUSE_LOOKUP_DOT, &h, &mnt) == 1 && h,
          "a forgotten handle-backed nodeid is remembered");
    struct found f = { .handle = h };
    f.fd = handle_open(fs.mfds, mnt, h, O_PATH);
    CHECK_MSG(f.fd >= 0 && stat_with_mnt_id(f.fd, &f.st, &f.mnt_id) == 0, "its handle opens");
    CHECK_MSG(itab_revive(fs.itab, &f, n, REC_CAUSE_LOOKUP_DOT) == 0, "revived");
    struct inode *ino = itab_get(fs.itab, n);
    CHECK_MSG(ino != NULL, "the same nodeid is live again");
    itab_put(fs.itab, ino);
    CHECK_MSG(lookup(&fs, "r") == n, "a lookup by name finds the revived entry");
    itab_unref(fs.itab, n, 2, REC_CAUSE_FORGET);

    char p[300];
    snprintf(p, sizeof(p), "%s/gone", dir);
    unlink(p);
    CHECK_MSG(itab_ref_self(fs.itab, g, REC_CAUSE_LOOKUP_DOT, &h, &mnt) == 1 && h, "remembered");
    int fd = handle_open(fs.mfds, mnt, h, O_PATH);
    CHECK_MSG(fd == -ESTALE, "a deleted file's handle is stale: %d", fd);
    free(h);
    CHECK_MSG(itab_ref_self(fs.itab, 999999, REC_CAUSE_LOOKUP_DOT, &h, &mnt) == -ESTALE && !h,
          "an unknown nodeid is stale");

    struct itab_stats s;
    itab_get_stats(fs.itab, &s);
    CHECK_MSG(s.entries == 1 && s.revived == 1, "entries %llu revived %llu",
          (unsigned long long)s.entries, (unsigned long long)s.revived);
    teardown_fs(&fs);
}

/* The memory of forgotten nodeids is bounded: the oldest goes first. */
static void test_retired_bound(void)
{
    struct retired_set *r = retired_new(3);
    struct { struct file_handle h; unsigned char b[8]; } fh[5];
    uint64_t expired, first = 0;
    for (int i = 0; i < 5; i++) {
        fh[i].h.handle_bytes = 8;
        fh[i].h.handle_type = 1;
        memset(fh[i].b, 'a' + i, 8);
        CHECK_MSG(retired_add(r, 100 + (uint64_t)i, 7, &fh[i].h, &expired) == 0, "add %d", i);
        if (i == 3)
            first = expired;
    }
    CHECK_MSG(first == 100 && expired == 101, "the oldest expire first: %llu %llu",
          (unsigned long long)first, (unsigned long long)expired);
    CHECK_MSG(retired_count(r) == 3, "bounded: %u", retired_count(r));
    uint64_t mnt;
    CHECK_MSG(retired_handle_of(r, 100, &mnt) == NULL, "expired nodeid forgotten");
    struct file_handle *h = retired_handle_of(r, 104, &mnt);
    CHECK_MSG(h && mnt == 7 && h->handle_bytes == 8 && h->f_handle[0] == 'e', "copy of the handle");
    free(h);
    CHECK_MSG(retired_take_handle(r, &fh[3].h, 7) == 103, "found by handle");
    CHECK_MSG(retired_take_handle(r, &fh[3].h, 7) == 0, "and removed");
    CHECK_MSG(retired_take_handle(r, &fh[4].h, 8) == 0, "the mount id is part of the key");
    retired_free(r);
}

/* lookup and forget racing on the same names: no entry may be revived
 * after its count reached zero, none may leak, none may be freed twice. */
struct race_arg {
    struct fs *fs;
    int id;
};

static void *racer(void *p)
{
    struct race_arg *a = p;
    char name[8];
    unsigned seed = (unsigned)a->id;
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof(name), "r%u", rand_r(&seed) % 4);
        uint64_t n = lookup(a->fs, name);
        if (!n)
            continue;
        struct inode *ino = itab_get(a->fs->itab, n);
        if (ino) {
            inode_fd(a->fs->itab, ino);
            itab_put(a->fs->itab, ino);
        }
        itab_unref(a->fs->itab, n, 1, REC_CAUSE_FORGET);
    }
    return NULL;
}

static void test_race(enum handle_policy policy)
{
    struct fs fs;
    setup_fs(&fs, policy, 2);
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof(name), "r%d", i);
        touch(name);
    }
    pthread_t th[4];
    struct race_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct race_arg){ &fs, i + 1 };
        pthread_create(&th[i], NULL, racer, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    struct itab_stats s;
    itab_get_stats(fs.itab, &s);
    CHECK_MSG(s.entries == 1, "after balanced lookup/forget only root remains, have %llu",
          (unsigned long long)s.entries);
    CHECK_MSG(s.cached_fds == 0, "no cached fds left, have %llu", (unsigned long long)s.cached_fds);
    teardown_fs(&fs);
}

/* A resource error while probing a new mount's handles (here EMFILE from
 * open_by_handle_at: exactly one fd left, which the mount fd itself takes)
 * must not be remembered as "this mount has no handles": the next
 * registration, with fds available again, succeeds. */
static void test_probe_transient(void)
{
    struct mount_fds *m = mount_fds_new();
    int src = open(dir, O_PATH | O_DIRECTORY);
    struct stat st;
    uint64_t mnt = 0;
    struct file_handle *h = NULL;
    if (!m || src < 0 || stat_with_mnt_id(src, &st, &mnt) < 0 || handle_take(src, &h) < 0) {
        perror("probe setup");
        exit(99);
    }
    struct rlimit old, low;
    getrlimit(RLIMIT_NOFILE, &old);
    low = old;
    low.rlim_cur = 64;
    if (setrlimit(RLIMIT_NOFILE, &low) < 0) {
        perror("setrlimit");
        exit(99);
    }
    int fill[64], n = 0;
    while (n < 64 && (fill[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        n++;
    CHECK_MSG(n > 0 && errno == EMFILE, "could not use up the fds (%d opened)", n);
    close(fill[--n]);                       /* one fd left: for the mount fd */
    int r = mount_fd_register(m, mnt, src, S_IFDIR, h);
    CHECK_MSG(r == -EMFILE, "probe with no fd left: expected -EMFILE, got %d", r);
    int state = mount_handles_state(m, mnt);
    CHECK_MSG(state == 0, "a probe that ran out of fds was remembered (state %d, want 0 = unknown)", state);
    while (n > 0)
        close(fill[--n]);
    setrlimit(RLIMIT_NOFILE, &old);
    r = mount_fd_register(m, mnt, src, S_IFDIR, h);
    CHECK_MSG(r == 0, "probe with fds available again: expected 0, got %d", r);
    CHECK_MSG(mount_handles_state(m, mnt) == 1, "handles work on the mount after a good probe");
    free(h);
    close(src);
    mount_fds_free(m);
}

/* The checkers are not vacuous: an entry or an fh broken by hand is
 * reported, and the same table passes again once repaired. */
static void test_checkers(void)
{
    struct fs fs;
    setup_fs(&fs, HANDLES_PREFER, 16);
    touch("c");
    uint64_t c = lookup(&fs, "c");
    struct inode *ino = itab_get(fs.itab, c);
    CHECK_MSG(ino != NULL, "lookup of c");
    if (ino) {
        char why[200] = "";
        ino->nlookup = 0;
        CHECK_MSG(itab_check(fs.itab, why, sizeof why) != 0 && strstr(why, "no lookup"),
                  "an entry without lookups must be reported, got '%s'", why);
        ino->nlookup = 1;
        ino->pinned = !ino->pinned;
        CHECK_MSG(itab_check(fs.itab, why, sizeof why) != 0,
                  "an entry both pinned and handle-backed (or neither) must be reported");
        ino->pinned = !ino->pinned;
        check_table(&fs, "repaired");
        itab_put(fs.itab, ino);
    }
    teardown_fs(&fs);

    struct fh_table *t = fht_new();
    struct fh_entry *e[200];
    for (int i = 0; i < 200; i++)
        e[i] = fht_add(t);
    for (int i = 0; i < 200; i += 2)
        fh_entry_free(fht_remove(t, e[i]->fh));
    for (int i = 0; i < 50; i++)      /* reuse freed slots: new sequences */
        e[2 * i] = fht_add(t);
    char why[200] = "";
    CHECK_MSG(fht_check(t, why, sizeof why) == 0, "fh table: %s", why);
    uint64_t fh = e[1]->fh;
    e[1]->fh = fh + (1ULL << 50);
    CHECK_MSG(fht_check(t, why, sizeof why) != 0 && strstr(why, "sequence"),
              "an fh sequence never handed out must be reported, got '%s'", why);
    e[1]->fh = fh ^ 1;
    CHECK_MSG(fht_check(t, why, sizeof why) != 0 && strstr(why, "slot"),
              "an entry in the wrong slot must be reported, got '%s'", why);
    e[1]->fh = fh;
    CHECK_MSG(fht_check(t, why, sizeof why) == 0, "fh table repaired: %s", why);
    fht_free(t);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "needs root (file handles)\n");
        return 77;
    }
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 99;
    }
    test_counting(HANDLES_PREFER);
    test_counting(HANDLES_NEVER);
    test_reuse();
    test_io_modes();
    test_io_rules();
    test_fd_bound();
    test_race(HANDLES_PREFER);
    test_race(HANDLES_NEVER);
    test_probe_transient();
    test_checkers();
    test_revive();
    test_retired_bound();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return tcheck_done("inode table");
}
