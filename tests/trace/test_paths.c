/* test_paths.c — what the `op` view says about paths, names and numbers,
 * on a recording scripted message by message through the recorder:
 *   - a node's path follows renames (mv a b), a directory renamed above a
 *     file (mv d e: d/f is e/f), a temp file renamed into place (rsync's
 *     .f.XXXXXX -> f), a lock file renamed over its target (git's
 *     index.lock -> index: the old index node loses the name), an exchange
 *     (RENAME2 RENAME_EXCHANGE), a hard link (the node shows the name it was
 *     last obtained by), an unlink (requests still made on the node keep its
 *     last path);
 *   - entry requests carry the full path of the entry they name, a rename
 *     its destination;
 *   - extended-attribute names are xattr_name, never name or a path;
 *   - node_names lists every name a node had, with until_ts;
 *   - decoded columns (flags_text, mode_text, valid_text, lock_type_text,
 *     open_flags_text, umask_text) against values computed by hand;
 *   - t_s and wall_time agree with ts and session.start_realtime_ns, and a
 *     t_s range selects what the ts range selects. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/recorder.h"
#include "tt_util.h"

static uint64_t uq = 100;

static uint64_t req(uint32_t op, uint64_t nodeid, const void *args, size_t n)
{
    uq += 2;
    tt_send_req(op, uq, nodeid, (uint32_t)getpid(), args, n);
    return uq;
}

static void new_node(uint64_t nodeid, uint64_t parent, const char *name)
{
    struct rec_inode_event e = { .kind = REC_INODE_NEW, .cause = REC_CAUSE_LOOKUP,
                                 .nodeid = nodeid, .parent = parent, .name = name,
                                 .dev = 2049, .ino = 1000 + nodeid, .mnt_id = 25, .nlookup = 1 };
    rec_inode(&e);
}

static void free_node(uint64_t nodeid)
{
    struct rec_inode_event e = { .kind = REC_INODE_FREE, .cause = REC_CAUSE_FORGET,
                                 .nodeid = nodeid };
    rec_inode(&e);
}

static void entry_reply(uint64_t u, uint64_t nodeid, uint32_t mode)
{
    struct fuse_entry_out e = { .nodeid = nodeid, .generation = 1,
                                .attr = { .ino = 1000 + nodeid, .mode = mode } };
    tt_send_reply(u, 0, &e, sizeof e);
}

/* LOOKUP (or MKDIR/CREATE) of name in parent making node `nodeid` */
static void lookup_new(uint64_t parent, const char *name, uint64_t nodeid, uint32_t mode)
{
    uint8_t a[300];
    size_t n = tt_names(a, name, NULL);
    uint64_t u = req(FUSE_LOOKUP, parent, a, n);
    new_node(nodeid, parent, name);
    entry_reply(u, nodeid, mode);
}

static void lookup_old(uint64_t parent, const char *name, uint64_t nodeid)
{
    uint8_t a[300];
    size_t n = tt_names(a, name, NULL);
    uint64_t u = req(FUSE_LOOKUP, parent, a, n);
    entry_reply(u, nodeid, 0100644);
}

static uint64_t getattr(uint64_t nodeid)
{
    struct fuse_getattr_in g = { 0 };
    uint64_t u = req(FUSE_GETATTR, nodeid, &g, sizeof g);
    struct fuse_attr_out ao = { .attr = { .ino = 1000 + nodeid, .mode = 0100644 } };
    tt_send_reply(u, 0, &ao, sizeof ao);
    return u;
}

static uint64_t rename2(uint64_t olddir, const char *old, uint64_t newdir, const char *new_,
                        uint32_t flags, int error)
{
    uint8_t a[600];
    struct fuse_rename2_in ri = { .newdir = newdir, .flags = flags };
    memcpy(a, &ri, sizeof ri);
    size_t n = sizeof ri + tt_names(a + sizeof ri, old, new_);
    uint64_t u = req(FUSE_RENAME2, olddir, a, n);
    tt_send_reply(u, error, NULL, 0);
    return u;
}

static uint64_t unlink_(uint64_t dir, const char *name)
{
    uint8_t a[300];
    size_t n = tt_names(a, name, NULL);
    uint64_t u = req(FUSE_UNLINK, dir, a, n);
    tt_send_reply(u, 0, NULL, 0);
    return u;
}

static sqlite3 *db;

static const char *q1(const char *fmt, unsigned long long u)
{
    char sql[1024];
    snprintf(sql, sizeof sql, fmt, u);
    return tt_text(db, sql);
}

#define PATH_OF(u) q1("SELECT path FROM op WHERE unique_id = %llu", (u))
#define COL(col, u) q1("SELECT " col " FROM op WHERE unique_id = %llu", (u))

int main(void)
{
    const char *dbp = tt_path("paths.db");
    char err[512];
    struct rec_config cfg = { .db_path = dbp, .source = "/src", .mountpoint = "/mnt/p" };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);

    struct fuse_init_in ii = { .major = 7, .minor = 38, .flags = FUSE_ASYNC_READ };
    uint64_t u = req(FUSE_INIT, 0, &ii, sizeof ii);
    struct fuse_init_out io = { .major = 7, .minor = 38, .max_write = 131072 };
    tt_send_reply(u, 0, &io, sizeof io);

    /* mv a b */
    lookup_new(1, "a", 2, 0100644);
    uint64_t ga = getattr(2);
    uint64_t mv = rename2(1, "a", 1, "b", 0, 0);
    uint64_t gb = getattr(2);

    /* mkdir d; d/f; mv d e (a directory renamed above the file) */
    lookup_new(1, "d", 3, 040755);
    lookup_new(3, "f", 4, 0100644);
    uint64_t gdf = getattr(4);
    uint64_t mvd = rename2(1, "d", 1, "e", 0, 0);
    uint64_t gef = getattr(4);

    /* rsync: a temp file renamed into place in e/ */
    lookup_new(3, ".f2.XyZ123", 5, 0100644);
    uint64_t gtmp = getattr(5);
    rename2(3, ".f2.XyZ123", 3, "f2", 0, 0);
    uint64_t gf2 = getattr(5);

    /* git: index exists (node 6), index.lock (node 7) renamed over it */
    lookup_new(1, "index", 6, 0100644);
    lookup_new(1, "index.lock", 7, 0100644);
    rename2(1, "index.lock", 1, "index", 0, 0);
    uint64_t glock = getattr(7);
    uint64_t gold = getattr(6);       /* replaced: keeps its last path */
    lookup_old(1, "index", 7);
    uint64_t gidx = getattr(7);

    /* a failed rename changes nothing */
    rename2(1, "b", 1, "zz", 0, -ENOENT);
    uint64_t gb2 = getattr(2);

    /* exchange x <-> y */
    lookup_new(1, "x", 8, 0100644);
    lookup_new(1, "y", 9, 0100644);
    uint64_t xch = rename2(1, "x", 1, "y", RENAME_EXCHANGE, 0);
    uint64_t gx = getattr(8), gy = getattr(9);

    /* hard link: LINK node 2 (/b) as /e/hl; the node shows the name it was
     * last obtained by */
    uint8_t a[600];
    struct fuse_link_in li = { .oldnodeid = 2 };
    memcpy(a, &li, sizeof li);
    size_t n = sizeof li + tt_names(a + sizeof li, "hl", NULL);
    uint64_t lk = req(FUSE_LINK, 3, a, n);
    entry_reply(lk, 2, 0100644);
    uint64_t ghl = getattr(2);
    lookup_old(1, "b", 2);
    uint64_t gb3 = getattr(2);

    /* unlink b: a request still made on the node keeps its last path */
    uint64_t ul = unlink_(1, "b");
    uint64_t gul = getattr(2);

    /* forgotten, then a new node at the same name gets it */
    free_node(8);
    lookup_new(1, "y", 10, 0100644);
    uint64_t gy2 = getattr(10);

    /* xattr names are not paths */
    n = tt_names(a + sizeof(struct fuse_getxattr_in), "user.comment", NULL);
    struct fuse_getxattr_in gx_in = { .size = 0 };
    memcpy(a, &gx_in, sizeof gx_in);
    uint64_t gxa = req(FUSE_GETXATTR, 3, a, sizeof gx_in + n);
    tt_send_reply(gxa, -ENODATA, NULL, 0);

    /* decoded numbers */
    struct fuse_open_in oi = { .flags = O_RDWR | O_APPEND | 0x40000000 };
    uint64_t op_open = req(FUSE_OPEN, 4, &oi, sizeof oi);
    struct fuse_open_out oo = { .fh = 77, .open_flags = FOPEN_KEEP_CACHE | FOPEN_NOFLUSH };
    tt_send_reply(op_open, 0, &oo, sizeof oo);

    struct fuse_mkdir_in mi = { .mode = 0755, .umask = 022 };
    memcpy(a, &mi, sizeof mi);
    n = sizeof mi + tt_names(a + sizeof mi, "newdir", NULL);
    uint64_t op_mkdir = req(FUSE_MKDIR, 3, a, n);
    new_node(11, 3, "newdir");
    entry_reply(op_mkdir, 11, 040755);

    struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT | O_EXCL, .mode = 0100640, .umask = 027 };
    memcpy(a, &ci, sizeof ci);
    n = sizeof ci + tt_names(a + sizeof ci, "made", NULL);
    uint64_t op_create = req(FUSE_CREATE, 11, a, n);
    new_node(12, 11, "made");
    struct { struct fuse_entry_out e; struct fuse_open_out o; } co = {
        { .nodeid = 12, .attr = { .mode = 0100640 } }, { .fh = 78 } };
    tt_send_reply(op_create, 0, &co, sizeof co);

    struct fuse_setattr_in si = { .valid = FATTR_MODE | FATTR_SIZE, .mode = 0100600, .size = 5 };
    uint64_t op_setattr = req(FUSE_SETATTR, 12, &si, sizeof si);
    tt_send_reply(op_setattr, 0, NULL, 0);

    struct fuse_access_in ai = { .mask = R_OK | W_OK };
    uint64_t op_access = req(FUSE_ACCESS, 12, &ai, sizeof ai);
    tt_send_reply(op_access, -EACCES, NULL, 0);

    struct fuse_fallocate_in fi = { .fh = 78, .length = 4096,
                                    .mode = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE };
    uint64_t op_falloc = req(FUSE_FALLOCATE, 12, &fi, sizeof fi);
    tt_send_reply(op_falloc, 0, NULL, 0);

    struct fuse_lk_in lki = { .fh = 78, .lk = { .start = 0, .end = 99, .type = F_WRLCK },
                              .lk_flags = FUSE_LK_FLOCK };
    uint64_t op_lock = req(FUSE_SETLK, 12, &lki, sizeof lki);
    tt_send_reply(op_lock, 0, NULL, 0);

    struct fuse_lseek_in lsi = { .fh = 78, .offset = 10, .whence = SEEK_DATA };
    uint64_t op_lseek = req(FUSE_LSEEK, 12, &lsi, sizeof lsi);
    struct fuse_lseek_out lso = { .offset = 10 };
    tt_send_reply(op_lseek, 0, &lso, sizeof lso);

    /* without FUSE_SETXATTR_EXT negotiated: the 8-byte layout */
    struct fuse_setxattr_in sxi = { .size = 1, .flags = 1 /* XATTR_CREATE */ };
    memcpy(a, &sxi, FUSE_COMPAT_SETXATTR_IN_SIZE);
    n = FUSE_COMPAT_SETXATTR_IN_SIZE + tt_names(a + FUSE_COMPAT_SETXATTR_IN_SIZE, "user.x", NULL);
    a[n++] = 'v';
    uint64_t op_setxattr = req(FUSE_SETXATTR, 12, a, n);
    tt_send_reply(op_setxattr, 0, NULL, 0);

    struct rec_result res;
    recorder_close(&res);
    CHECK(res.complete);

    CHECK(sqlite3_open_v2(dbp, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);

    /* paths over time */
    CHECK_MSG(!strcmp(PATH_OF(ga), "/a"), "%s", PATH_OF(ga));
    CHECK_MSG(!strcmp(COL("entry_path", mv), "/a"), "%s", COL("entry_path", mv));
    CHECK_MSG(!strcmp(COL("entry2_path", mv), "/b"), "%s", COL("entry2_path", mv));
    CHECK_MSG(!strcmp(COL("path2", mv), "/"), "%s", COL("path2", mv));
    CHECK_MSG(!strcmp(PATH_OF(gb), "/b"), "after mv a b: %s", PATH_OF(gb));
    CHECK_MSG(!strcmp(PATH_OF(gdf), "/d/f"), "%s", PATH_OF(gdf));
    CHECK_MSG(!strcmp(COL("entry_path", mvd), "/d"), "%s", COL("entry_path", mvd));
    CHECK_MSG(!strcmp(PATH_OF(gef), "/e/f"), "directory renamed above: %s", PATH_OF(gef));
    CHECK_MSG(!strcmp(COL("dir", gef), "/e"), "%s", COL("dir", gef));
    CHECK_MSG(!strcmp(PATH_OF(gtmp), "/e/.f2.XyZ123"), "%s", PATH_OF(gtmp));
    CHECK_MSG(!strcmp(PATH_OF(gf2), "/e/f2"), "rsync's temp renamed into place: %s", PATH_OF(gf2));
    CHECK_MSG(!strcmp(PATH_OF(glock), "/index"), "index.lock -> index: %s", PATH_OF(glock));
    CHECK_MSG(!strcmp(PATH_OF(gold), "/index"), "the replaced index: %s", PATH_OF(gold));
    CHECK_MSG(!strcmp(PATH_OF(gidx), "/index"), "%s", PATH_OF(gidx));
    CHECK_MSG(!strcmp(PATH_OF(gb2), "/b"), "a failed rename: %s", PATH_OF(gb2));
    CHECK_MSG(!strcmp(COL("flags_text", xch), "RENAME_EXCHANGE"), "%s", COL("flags_text", xch));
    CHECK_MSG(!strcmp(PATH_OF(gx), "/y") && !strcmp(PATH_OF(gy), "/x"), "exchange: %s %s",
              PATH_OF(gx), PATH_OF(gy));
    CHECK_MSG(!strcmp(COL("entry_path", lk), "/e/hl"), "%s", COL("entry_path", lk));
    CHECK_MSG(!strcmp(COL("path2", lk), "/b"), "LINK's existing node: %s", COL("path2", lk));
    CHECK_MSG(!strcmp(PATH_OF(ghl), "/e/hl"), "hard link, last obtained by: %s", PATH_OF(ghl));
    CHECK_MSG(!strcmp(PATH_OF(gb3), "/b"), "looked up again as b: %s", PATH_OF(gb3));
    CHECK_MSG(!strcmp(COL("entry_path", ul), "/b"), "%s", COL("entry_path", ul));
    CHECK_MSG(!strcmp(PATH_OF(gul), "/b"), "unlinked, still open: %s", PATH_OF(gul));
    CHECK_MSG(!strcmp(PATH_OF(gy2), "/y"), "%s", PATH_OF(gy2));
    CHECK_MSG(!strcmp(COL("file", gy2), "/y") && !strcmp(COL("dir", gy2), "/"), "%s %s",
              COL("file", gy2), COL("dir", gy2));

    /* xattr names */
    CHECK_MSG(!strcmp(COL("xattr_name", gxa), "user.comment"), "%s", COL("xattr_name", gxa));
    CHECK_MSG(!strcmp(COL("coalesce(name, entry_path, 'none')", gxa), "none"), "%s",
              COL("coalesce(name, entry_path, 'none')", gxa));
    CHECK_MSG(!strcmp(PATH_OF(gxa), "/e"), "%s", PATH_OF(gxa));
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM path WHERE path LIKE '%user.%'", -1), 0);

    /* rename history */
    CHECK_MSG(!strcmp(tt_text(db, "SELECT group_concat(path, ' ') FROM "
                                  "(SELECT path FROM node_names WHERE nodeid = 2 ORDER BY ts)"),
                      "/a /b /e/hl /b"), "%s",
              tt_text(db, "SELECT group_concat(path, ' ') FROM (SELECT path FROM node_names "
                          "WHERE nodeid = 2 ORDER BY ts)"));
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM node_names WHERE nodeid = 2 AND until_ts IS NULL", -1), 1);
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM node_names WHERE nodeid = 3", -1), 2);   /* d, e */
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM node_names WHERE nodeid = 4", -1), 1);   /* f: its parent moved */

    /* decoded columns */
    CHECK_MSG(!strcmp(COL("flags_text", op_open), "O_RDWR|O_APPEND|0x40000000"), "%s",
              COL("flags_text", op_open));
    CHECK_MSG(!strcmp(COL("open_flags_text", op_open), "FOPEN_KEEP_CACHE|FOPEN_NOFLUSH"), "%s",
              COL("open_flags_text", op_open));
    CHECK_MSG(!strcmp(COL("mode_text", op_mkdir), "0755"), "%s", COL("mode_text", op_mkdir));
    CHECK_MSG(!strcmp(COL("umask_text", op_mkdir), "0022"), "%s", COL("umask_text", op_mkdir));
    CHECK_MSG(!strcmp(COL("entry_path", op_mkdir), "/e/newdir"), "%s", COL("entry_path", op_mkdir));
    CHECK_MSG(!strcmp(COL("mode_text", op_create), "S_IFREG|0640"), "%s", COL("mode_text", op_create));
    CHECK_MSG(!strcmp(COL("flags_text", op_create), "O_WRONLY|O_CREAT|O_EXCL"), "%s",
              COL("flags_text", op_create));
    CHECK_MSG(!strcmp(COL("entry_path", op_create), "/e/newdir/made"), "%s",
              COL("entry_path", op_create));
    CHECK_MSG(!strcmp(COL("valid_text", op_setattr), "FATTR_MODE|FATTR_SIZE"), "%s",
              COL("valid_text", op_setattr));
    CHECK_MSG(!strcmp(COL("mode_text", op_setattr), "S_IFREG|0600"), "%s", COL("mode_text", op_setattr));
    CHECK_MSG(!strcmp(PATH_OF(op_setattr), "/e/newdir/made"), "%s", PATH_OF(op_setattr));
    CHECK_MSG(!strcmp(COL("mode_text", op_access), "W_OK|R_OK"), "%s", COL("mode_text", op_access));
    CHECK_MSG(!strcmp(COL("errno_name", op_access), "EACCES"), "%s", COL("errno_name", op_access));
    CHECK_MSG(!strcmp(COL("mode_text", op_falloc), "FALLOC_FL_KEEP_SIZE|FALLOC_FL_PUNCH_HOLE"), "%s",
              COL("mode_text", op_falloc));
    CHECK_MSG(!strcmp(COL("lock_type_text", op_lock), "F_WRLCK"), "%s", COL("lock_type_text", op_lock));
    CHECK_MSG(!strcmp(COL("flags_text", op_lock), "FUSE_LK_FLOCK"), "%s", COL("flags_text", op_lock));
    CHECK_MSG(!strcmp(COL("flags_text", op_lseek), "SEEK_DATA"), "%s", COL("flags_text", op_lseek));
    CHECK_MSG(!strcmp(COL("flags_text", op_setxattr), "XATTR_CREATE"), "%s", COL("flags_text", op_setxattr));
    CHECK_MSG(!strcmp(COL("xattr_name", op_setxattr), "user.x"), "%s", COL("xattr_name", op_setxattr));

    /* times */
    long long t0 = tt_int(db, "SELECT start_realtime_ns FROM session", -1);
    CHECK(t0 > 0);
    CHECK_EQ(tt_int(db, "SELECT clock_offset_ns = start_realtime_ns - start_monotonic_ns FROM session", -1), 1);
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM op WHERE abs(t_s * 1e9 - ts) > 1", -1), 0);
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM op WHERE wall_time NOT GLOB "
                        "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]."
                        "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]Z'", -1), 0);
    /* wall_time is start_realtime_ns + ts, to the nanosecond */
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM op WHERE CAST(strftime('%s', substr(wall_time, 1, 19)) AS INTEGER) "
                        "* 1000000000 + CAST(substr(wall_time, 21, 9) AS INTEGER) "
                        "<> (SELECT start_realtime_ns FROM session) + ts", -1), 0);
    long long mid = tt_int(db, "SELECT ts FROM op WHERE unique_id = 130", -1);
    long long last = tt_int(db, "SELECT max(ts) FROM op", -1);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM op WHERE t_s BETWEEN %lld / 1e9 AND %lld / 1e9)"
                              " = (SELECT count(*) FROM op WHERE ts BETWEEN %lld AND %lld)", mid, last, mid, last);
    CHECK_EQ(tt_int(db, sql, -1), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM op WHERE t_s BETWEEN %lld / 1e9 AND %lld / 1e9", mid, last);
    CHECK(tt_int(db, sql, -1) > 10);
    CHECK_EQ(tt_int(db, "SELECT count(*) FROM inode_history WHERE wall_time IS NULL OR t_s IS NULL", -1), 0);

    sqlite3_close(db);
    tt_cleanup();
    return tcheck_done("paths-decoded");
}
