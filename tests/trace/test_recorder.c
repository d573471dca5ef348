/* test_recorder.c — synthetic wire messages and semantic events through the
 * real recorder into a real SQLite file, then assertions on the rows and the
 * views: INIT facts, LOOKUP/CREATE/MKDIR entries and paths, READ/WRITE with
 * data capture, BATCH_FORGET and FORGET items, INTERRUPT, the ENOSYS reply
 * to STATX, a notification, an unanswered request, replies written by
 * another thread, many short-lived threads (ring recycling), and the file
 * policies (0600, no overwrite, never inside the mountpoint). */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/rec_process.h"
#include "trace/rec_ring.h"
#include "schemas/db_format.h"
#include "trace/recorder.h"
#include "tracedb/tracedb.h"
#include "tt_util.h"

#define STATX_OPCODE 52

static int emitted;            /* every rec_* call made while recording */

static void req(uint32_t op, uint64_t unique, uint64_t nodeid, const void *args, size_t n)
{
    tt_send_req(op, unique, nodeid, (uint32_t)getpid(), args, n);
    emitted++;
}

static void reply(uint64_t unique, int32_t error, const void *body, size_t n)
{
    tt_send_reply(unique, error, body, n);
    emitted++;
}

static void inode_new(uint64_t nodeid, uint64_t parent, const char *name, uint64_t ino)
{
    struct rec_inode_event e = { .kind = REC_INODE_NEW, .cause = REC_CAUSE_LOOKUP,
                                 .nodeid = nodeid, .parent = parent, .name = name,
                                 .dev = 2049, .ino = ino, .mnt_id = 25, .nlookup = 1 };
    rec_inode(&e);
    emitted++;
}

static void inode_ev(enum rec_inode_kind kind, enum rec_cause cause, uint64_t nodeid,
                     int64_t delta, uint64_t nlookup)
{
    struct rec_inode_event e = { .kind = kind, .cause = cause, .nodeid = nodeid,
                                 .delta = delta, .nlookup = nlookup };
    rec_inode(&e);
    emitted++;
}

static struct fuse_entry_out entry(uint64_t nodeid, uint32_t mode, uint64_t ino)
{
    struct fuse_entry_out e = { .nodeid = nodeid, .generation = 1, .entry_valid = 1,
                                .attr_valid = 2,
                                .attr = { .ino = ino, .mode = mode, .size = 10, .uid = 1000 } };
    return e;
}

static void *other_thread(void *arg)
{
    uint64_t base = (uint64_t)(uintptr_t)arg;
    for (int i = 0; i < 20; i++) {
        uint8_t args[64];
        size_t n = tt_names(args, "t", NULL);
        tt_send_req(FUSE_LOOKUP, base + 2 * (uint64_t)i, 1, (uint32_t)getpid(), args, n);
        struct fuse_entry_out e = entry(2, 0100644, 1002);
        tt_send_reply(base + 2 * (uint64_t)i, 0, &e, sizeof e);
    }
    return NULL;
}

static void *request_only_thread(void *arg)
{
    (void)arg;
    struct fuse_read_in ri = { .fh = 10, .offset = 0, .size = 4096 };
    tt_send_req(FUSE_READ, 5000, 3, (uint32_t)getpid(), &ri, sizeof ri);
    return NULL;
}

static void record(const char *db)
{
    char err[512];
    struct rec_config cfg = { .db_path = db, .capture_data = 4, .source = "/src",
                              .mountpoint = tt_path("mnt"), .command = "make -j2",
                              .options = "fusetrace record --capture-data=4" };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);
    CHECK(rec_enabled());
    tt_describe_self();
    emitted++;

    uint8_t args[512];
    size_t n;

    struct fuse_init_in ii = { .major = 7, .minor = 41, .max_readahead = 131072,
                               .flags = FUSE_ASYNC_READ | FUSE_INIT_EXT };
    req(FUSE_INIT, 2, 0, &ii, sizeof ii);
    struct fuse_init_out io = { .major = 7, .minor = 38, .max_readahead = 131072,
                                .flags = FUSE_ASYNC_READ | FUSE_INIT_EXT,
                                .max_background = 12, .congestion_threshold = 9,
                                .max_write = 131072, .time_gran = 1, .max_pages = 32 };
    reply(2, 0, &io, sizeof io);

    /* STATX: libfuse 3.14 answers ENOSYS by itself */
    uint8_t sx[24] = { 0 };
    req(STATX_OPCODE, 4, 1, sx, sizeof sx);
    reply(4, -ENOSYS, NULL, 0);

    n = tt_names(args, "missing", NULL);
    req(FUSE_LOOKUP, 6, 1, args, n);
    reply(6, -ENOENT, NULL, 0);

    n = tt_names(args, "file", NULL);
    req(FUSE_LOOKUP, 8, 1, args, n);
    inode_new(2, 1, "file", 1002);
    uint64_t t0 = rec_now_ns();
    struct rec_backing_event be = { .call = "fstatat", .fd = 3, .arg = 0x100,
                                    .name = "file", .result = 0, .err = 0,
                                    .start_ns = t0, .end_ns = t0 + 500 };
    rec_backing(&be);
    emitted++;
    struct fuse_entry_out e = entry(2, 0100644, 1002);
    reply(8, 0, &e, sizeof e);

    struct fuse_create_in ci = { .flags = 0101, .mode = 0100644, .umask = 022 };
    memcpy(args, &ci, sizeof ci);
    n = sizeof ci + tt_names(args + sizeof ci, "newfile", NULL);
    req(FUSE_CREATE, 10, 1, args, n);
    inode_new(3, 1, "newfile", 1003);
    struct rec_fh_event fe = { .kind = REC_FH_CREATE, .fh = 10, .nodeid = 3, .flags = 0101,
                               .fd = 7, .created = true };
    rec_fh(&fe);
    emitted++;
    struct { struct fuse_entry_out e; struct fuse_open_out o; } co = { entry(3, 0100644, 1003), { .fh = 10 } };
    reply(10, 0, &co, sizeof co);

    struct fuse_write_in wi = { .fh = 10, .offset = 0, .size = 100 };
    memcpy(args, &wi, sizeof wi);
    memset(args + sizeof wi, 'x', 100);
    req(FUSE_WRITE, 12, 3, args, sizeof wi + 100);
    struct fuse_write_out wo = { .size = 100 };
    reply(12, 0, &wo, sizeof wo);

    struct fuse_read_in ri = { .fh = 10, .offset = 0, .size = 4096 };
    req(FUSE_READ, 14, 3, &ri, sizeof ri);
    char data[50];
    memset(data, 'y', sizeof data);
    reply(14, 0, data, sizeof data);

    struct fuse_mkdir_in mi = { .mode = 0755, .umask = 022 };
    memcpy(args, &mi, sizeof mi);
    n = sizeof mi + tt_names(args + sizeof mi, "d", NULL);
    req(FUSE_MKDIR, 16, 1, args, n);
    inode_new(4, 1, "d", 1004);
    e = entry(4, 040755, 1004);
    reply(16, 0, &e, sizeof e);

    n = tt_names(args, "x", NULL);
    req(FUSE_LOOKUP, 18, 4, args, n);
    inode_new(5, 4, "x", 1005);
    e = entry(5, 0100600, 1005);
    reply(18, 0, &e, sizeof e);
    req(FUSE_GETATTR, 20, 5, (struct fuse_getattr_in[]){ { 0 } }, sizeof(struct fuse_getattr_in));
    struct fuse_attr_out ao = { .attr = { .ino = 1005, .mode = 0100600, .size = 77 } };
    reply(20, 0, &ao, sizeof ao);

    /* READDIRPLUS on the root listing "file" (nodeid 2) and "." (nodeid 0) */
    struct fuse_read_in rd = { .fh = 11, .size = 4096 };
    req(FUSE_READDIRPLUS, 22, 1, &rd, sizeof rd);
    uint8_t body[512];
    size_t o = 0;
    struct fuse_direntplus dp0 = { .entry_out = { .nodeid = 0 }, .dirent = { .ino = 1, .off = 1, .namelen = 1 } };
    memcpy(body + o, &dp0, sizeof dp0);
    body[o + sizeof dp0] = '.';
    o += FUSE_DIRENTPLUS_SIZE(&dp0);
    struct fuse_direntplus dp1 = { .entry_out = { .nodeid = 2 }, .dirent = { .ino = 1002, .off = 2, .namelen = 4 } };
    memcpy(body + o, &dp1, sizeof dp1);
    memcpy(body + o + sizeof dp1, "file", 4);
    o += FUSE_DIRENTPLUS_SIZE(&dp1);
    reply(22, 0, body, o);

    /* plain READDIR: entries carry no node id */
    req(FUSE_READDIR, 23, 1, &rd, sizeof rd);
    o = 0;
    struct fuse_dirent de0 = { .ino = 1002, .off = 7, .namelen = 4, .type = DT_REG };
    memcpy(body + o, &de0, sizeof de0);
    memcpy(body + o + sizeof de0, "file", 4);
    o += FUSE_DIRENT_SIZE(&de0);
    struct fuse_dirent de1 = { .ino = 1003, .off = 9, .namelen = 3, .type = DT_LNK };
    memcpy(body + o, &de1, sizeof de1);
    memcpy(body + o + sizeof de1, "lnk", 3);
    o += FUSE_DIRENT_SIZE(&de1);
    reply(23, 0, body, o);

    /* manifest: a file found with its first bytes, a symlink with its target */
    struct stat mf = { .st_mode = 0100640, .st_size = 10, .st_uid = 1000, .st_gid = 100,
                       .st_ino = 1002, .st_dev = 2049, .st_nlink = 2, .st_rdev = 0 };
    mf.st_mtim.tv_sec = 5;
    mf.st_mtim.tv_nsec = 7;
    struct rec_manifest_event me = { .nodeid = 2, .parent = 1, .name = "file", .st = &mf,
                                     .data = "0123456789", .data_len = 10 };
    rec_manifest(&me);
    emitted++;
    struct stat ml = { .st_mode = 0120777, .st_size = 9, .st_ino = 1003, .st_dev = 2049,
                       .st_nlink = 1 };
    struct rec_manifest_event mel = { .nodeid = 6, .parent = 1, .name = "lnk", .st = &ml,
                                      .link_target = "../target" };
    rec_manifest(&mel);
    emitted++;

    /* SETLKW interrupted: INTERRUPT has unique|1, the kernel gets EINTR */
    struct fuse_lk_in lk = { .fh = 10, .lk = { .start = 0, .end = 99, .type = 1 } };
    req(FUSE_SETLKW, 24, 3, &lk, sizeof lk);
    struct fuse_interrupt_in intr = { .unique = 24 };
    req(FUSE_INTERRUPT, 25, 0, &intr, sizeof intr);
    reply(24, -EINTR, NULL, 0);

    /* a notification from the daemon */
    struct { struct fuse_notify_inval_entry_out o; char name[4]; } ie = { { .parent = 1, .namelen = 3 }, "xyz" };
    tt_send_reply(0, FUSE_NOTIFY_INVAL_ENTRY, &ie, sizeof ie);
    emitted++;

    /* forgets: one BATCH_FORGET with two items, one FORGET */
    uint8_t bf[8 + 32];
    struct fuse_batch_forget_in bi = { .count = 2 };
    memcpy(bf, &bi, sizeof bi);
    struct fuse_forget_one f1 = { 2, 2 }, f2 = { 3, 1 };
    memcpy(bf + 8, &f1, 16);
    memcpy(bf + 24, &f2, 16);
    req(FUSE_BATCH_FORGET, 26, 0, bf, sizeof bf);
    inode_ev(REC_INODE_UNREF, REC_CAUSE_BATCH_FORGET, 2, 2, 0);
    inode_ev(REC_INODE_FREE, REC_CAUSE_BATCH_FORGET, 2, 0, 0);
    struct fuse_forget_in fo = { .nlookup = 1 };
    req(FUSE_FORGET, 28, 5, &fo, sizeof fo);
    inode_ev(REC_INODE_UNREF, REC_CAUSE_FORGET, 5, 1, 0);
    inode_ev(REC_INODE_FREE, REC_CAUSE_FORGET, 5, 0, 0);

    struct fuse_release_in rl = { .fh = 10 };
    req(FUSE_RELEASE, 30, 3, &rl, sizeof rl);
    fe = (struct rec_fh_event){ .kind = REC_FH_RELEASE, .fh = 10, .nodeid = 3, .fd = 7 };
    rec_fh(&fe);
    emitted++;
    reply(30, 0, NULL, 0);

    /* never answered */
    req(FUSE_GETATTR, 40, 4, (struct fuse_getattr_in[]){ { 0 } }, sizeof(struct fuse_getattr_in));
    /* a reply whose request was never seen */
    reply(9998, 0, NULL, 0);

    /* a request read on one thread and answered on another */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, request_only_thread, NULL) == 0);
    pthread_join(th, NULL);
    emitted++;
    reply(5000, 0, data, 20);

    /* many short-lived threads: rings are recycled, not piled up */
    for (int round = 0; round < 30; round++) {
        pthread_t t[2];
        for (int k = 0; k < 2; k++)
            CHECK(pthread_create(&t[k], NULL, other_thread,
                                 (void *)(uintptr_t)(100000 + (uint64_t)(round * 2 + k) * 1000)) == 0);
        for (int k = 0; k < 2; k++)
            pthread_join(t[k], NULL);
        emitted += 2 * 40;
        /* give the writer a moment to drain and recycle */
        usleep(2000);
    }
    int rings = atomic_load(&rec_ring_count);
    CHECK_MSG(rings <= 8, "%d rings for 60 short-lived threads", rings);

    struct rec_result res;
    recorder_close(&res);
    CHECK_MSG(res.complete, "%s", res.reason);
    CHECK_EQ(res.lost, 0);
    CHECK_EQ(res.events, emitted);
    CHECK(!rec_enabled());
}

static void verify(const char *db)
{
    sqlite3 *d;
    struct tracedb_info info;
    char err[512];
    CHECK_MSG(tracedb_open(db, &d, &info, err, sizeof err) == 0, "%s", err);
    if (!d)
        return;
    CHECK(info.status == TRACEDB_COMPLETE);
    CHECK_EQ(info.events_lost, 0);
    CHECK_EQ(info.events_stored, emitted);
    CHECK_EQ(info.events_seen, emitted);
    CHECK_EQ(info.schema_version, FUSETRACE_SCHEMA_VERSION);
    CHECK_EQ(tt_int(d, "SELECT schema_version FROM session", -1), FUSETRACE_SCHEMA_VERSION);
    CHECK_EQ(info.requests_seen, tt_int(d, "SELECT count(*) FROM request", -1));
    CHECK_EQ(tt_int(d, "PRAGMA user_version", -1), FUSETRACE_SCHEMA_VERSION);
    CHECK(strcmp(tt_text(d, "PRAGMA integrity_check"), "ok") == 0);

    struct stat st;
    CHECK(stat(db, &st) == 0 && (st.st_mode & 0777) == 0600);

    /* session facts, INIT */
    CHECK_EQ(tt_int(d, "SELECT proto_minor FROM session", -1), 38);
    CHECK_EQ(tt_int(d, "SELECT kernel_proto_minor FROM session", -1), 41);
    CHECK_EQ(tt_int(d, "SELECT max_write FROM session", -1), 131072);
    CHECK_EQ(tt_int(d, "SELECT max_pages FROM session", -1), 32);
    CHECK_EQ(tt_int(d, "SELECT entry_timeout_ns FROM session", -1), 1000000000);
    CHECK(strcmp(tt_text(d, "SELECT command FROM session"), "make -j2") == 0);
    CHECK(strcmp(tt_text(d, "SELECT status FROM session"), "complete") == 0);
    CHECK_EQ(tt_int(d, "SELECT recorder_pid FROM session", -1), getpid());
    CHECK(tt_int(d, "SELECT end_ts FROM session", -1) > 0);

    /* errno names and opcode names */
    CHECK(strcmp(tt_text(d, "SELECT errno_name FROM op WHERE unique_id = 6"), "ENOENT") == 0);
    CHECK(strcmp(tt_text(d, "SELECT op FROM op WHERE unique_id = 4"), "STATX") == 0);
    CHECK(strcmp(tt_text(d, "SELECT errno_name FROM op WHERE unique_id = 4"), "ENOSYS") == 0);
    CHECK_EQ(tt_int(d, "SELECT errno FROM op WHERE unique_id = 4", -1), ENOSYS);
    CHECK(tt_int(d, "SELECT count(*) FROM errno_name", 0) >= 130);
    CHECK(strcmp(tt_text(d, "SELECT name FROM opcode_name WHERE opcode = 51"), "TMPFILE") == 0);

    /* latency */
    CHECK(tt_int(d, "SELECT latency_ns FROM op WHERE unique_id = 8", -1) > 0);
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM op WHERE latency_ns < 0", -1), 0);
    CHECK_EQ(tt_int(d, "SELECT count FROM per_op_latency WHERE op = 'LOOKUP'", -1), 3 + 60 * 20);
    CHECK(tt_int(d, "SELECT p50_ns FROM per_op_latency WHERE op = 'LOOKUP'", -1) > 0);
    CHECK(tt_int(d, "SELECT p99_ns <= max_ns AND p50_ns <= p95_ns FROM per_op_latency "
                    "WHERE op = 'LOOKUP'", 0) == 1);
    CHECK_EQ(tt_int(d, "SELECT errors FROM per_op_latency WHERE op = 'LOOKUP'", -1), 1);

    /* entries, paths */
    CHECK_EQ(tt_int(d, "SELECT entry_nodeid FROM op WHERE unique_id = 8", -1), 2);
    CHECK(strcmp(tt_text(d, "SELECT path FROM inode_path WHERE nodeid = 5"), "/d/x") == 0);
    CHECK(strcmp(tt_text(d, "SELECT path FROM op WHERE unique_id = 20"), "/d/x") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM op WHERE unique_id = 18"), "x") == 0);
    CHECK_EQ(tt_int(d, "SELECT attr_size FROM reply WHERE unique_id = 20", -1), 77);
    CHECK_EQ(tt_int(d, "SELECT attr_mode FROM reply WHERE unique_id = 16", -1), 040755);
    CHECK_EQ(tt_int(d, "SELECT mode FROM request WHERE unique_id = 16", -1), 0755);
    CHECK_EQ(tt_int(d, "SELECT umask FROM request WHERE unique_id = 16", -1), 022);

    /* CREATE: entry + open, fh event with created */
    CHECK_EQ(tt_int(d, "SELECT fh FROM reply WHERE unique_id = 10", -1), 10);
    CHECK_EQ(tt_int(d, "SELECT nodeid FROM reply WHERE unique_id = 10", -1), 3);
    CHECK_EQ(tt_int(d, "SELECT flags FROM request WHERE unique_id = 10", -1), 0101);
    CHECK_EQ(tt_int(d, "SELECT created FROM fh_event WHERE kind = 1", -1), 1);
    CHECK_EQ(tt_int(d, "SELECT unique_id FROM fh_event WHERE kind = 1", -1), 10);
    CHECK(strcmp(tt_text(d, "SELECT kind FROM fh_history WHERE unique_id = 30"), "RELEASE") == 0);

    /* WRITE / READ with capture_data = 4 */
    CHECK(strcmp(tt_text(d, "SELECT hex(data) FROM request WHERE unique_id = 12"), "78787878") == 0);
    CHECK_EQ(tt_int(d, "SELECT size FROM request WHERE unique_id = 12", -1), 100);
    CHECK_EQ(tt_int(d, "SELECT bytes FROM reply WHERE unique_id = 12", -1), 100);
    CHECK_EQ(tt_int(d, "SELECT bytes FROM reply WHERE unique_id = 14", -1), 50);
    CHECK(strcmp(tt_text(d, "SELECT hex(data) FROM reply WHERE unique_id = 14"), "79797979") == 0);
    CHECK_EQ(tt_int(d, "SELECT len FROM request WHERE unique_id = 12", -1), 40 + 40 + 100);

    /* reply written on another thread than its request */
    CHECK_EQ(tt_int(d, "SELECT opcode FROM reply WHERE unique_id = 5000", -1), FUSE_READ);
    CHECK_EQ(tt_int(d, "SELECT bytes FROM reply WHERE unique_id = 5000", -1), 20);
    CHECK(tt_int(d, "SELECT t.tid FROM request q JOIN thread t ON t.id = q.thread "
                    "WHERE q.unique_id = 5000", 0)
          != tt_int(d, "SELECT t.tid FROM reply r JOIN thread t ON t.id = r.thread "
                       "WHERE r.unique_id = 5000", 0));
    /* one thread row per tid; the op view shows the tid */
    CHECK_EQ(tt_int(d, "SELECT count(*) - count(DISTINCT tid) FROM thread", -1), 0);
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM op WHERE tid IS NULL", -1), 0);

    /* READDIRPLUS */
    CHECK_EQ(tt_int(d, "SELECT count FROM reply WHERE unique_id = 22", -1), 2);
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM dirent WHERE unique_id = 22", -1), 2);
    CHECK(strcmp(tt_text(d, "SELECT name FROM dirent WHERE nodeid = 2"), "file") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM dirent WHERE unique_id = 22 AND nodeid IS NULL"), ".") == 0);
    CHECK_EQ(tt_int(d, "SELECT ino FROM dirent WHERE nodeid = 2", -1), 1002);
    CHECK_EQ(tt_int(d, "SELECT off FROM dirent WHERE nodeid = 2", -1), 2);
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM dirent WHERE unique_id = 22 AND attr_mode IS NOT NULL", -1), 2);

    /* READDIR */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM dirent WHERE unique_id = 23 AND nodeid IS NULL", -1), 2);
    CHECK_EQ(tt_int(d, "SELECT type FROM dirent WHERE unique_id = 23 AND name = 'lnk'", -1), DT_LNK);
    CHECK_EQ(tt_int(d, "SELECT ino FROM dirent WHERE unique_id = 23 AND name = 'lnk'", -1), 1003);
    CHECK_EQ(tt_int(d, "SELECT off FROM dirent WHERE unique_id = 23 AND name = 'lnk'", -1), 9);
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM dirent WHERE unique_id = 23 AND attr_mode IS NULL", -1), 2);

    /* manifest */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM manifest", -1), 2);
    CHECK_EQ(tt_int(d, "SELECT unique_id FROM manifest WHERE nodeid = 2", -1), 23);
    CHECK_EQ(tt_int(d, "SELECT mode FROM manifest WHERE nodeid = 2", -1), 0100640);
    CHECK_EQ(tt_int(d, "SELECT size FROM manifest WHERE nodeid = 2", -1), 10);
    CHECK_EQ(tt_int(d, "SELECT uid + gid FROM manifest WHERE nodeid = 2", -1), 1100);
    CHECK_EQ(tt_int(d, "SELECT nlink FROM manifest WHERE nodeid = 2", -1), 2);
    CHECK_EQ(tt_int(d, "SELECT ino FROM manifest WHERE nodeid = 2", -1), 1002);
    CHECK_EQ(tt_int(d, "SELECT mtime_ns FROM manifest WHERE nodeid = 2", -1), 5000000007LL);
    CHECK(strcmp(tt_text(d, "SELECT name FROM manifest WHERE nodeid = 2"), "file") == 0);
    CHECK(strcmp(tt_text(d, "SELECT hex(data) FROM manifest WHERE nodeid = 2"),
                 "30313233343536373839") == 0);
    CHECK_EQ(tt_int(d, "SELECT link_target IS NULL FROM manifest WHERE nodeid = 2", -1), 1);
    CHECK(strcmp(tt_text(d, "SELECT link_target FROM manifest WHERE nodeid = 6"), "../target") == 0);
    CHECK_EQ(tt_int(d, "SELECT data IS NULL FROM manifest WHERE nodeid = 6", -1), 1);
    CHECK_EQ(tt_int(d, "SELECT parent FROM manifest WHERE nodeid = 6", -1), 1);

    /* interrupt */
    CHECK_EQ(tt_int(d, "SELECT target_unique FROM request WHERE opcode = 36", -1), 24);
    CHECK(strcmp(tt_text(d, "SELECT errno_name FROM op WHERE unique_id = 24"), "EINTR") == 0);
    CHECK_EQ(tt_int(d, "SELECT lock_end FROM request WHERE unique_id = 24", -1), 99);
    CHECK(strcmp(tt_text(d, "SELECT outcome FROM op WHERE opcode = 36"), "noreply") == 0);

    /* forgets are queryable per nodeid */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM forget", -1), 3);
    CHECK_EQ(tt_int(d, "SELECT nlookup FROM forget WHERE nodeid = 2", -1), 2);
    CHECK_EQ(tt_int(d, "SELECT nlookup FROM forget WHERE nodeid = 5", -1), 1);

    /* inflight: only the unanswered GETATTR (FORGETs, INTERRUPT excluded) */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM inflight", -1), 1);
    CHECK_EQ(tt_int(d, "SELECT unique_id FROM inflight", -1), 40);
    CHECK(strcmp(tt_text(d, "SELECT outcome FROM op WHERE unique_id = 40"), "inflight") == 0);

    /* the orphan reply is kept, undecoded */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM reply WHERE unique_id = 9998 AND opcode IS NULL", -1), 1);

    /* notification */
    CHECK_EQ(tt_int(d, "SELECT code FROM notify", -1), FUSE_NOTIFY_INVAL_ENTRY);
    CHECK(strcmp(tt_text(d, "SELECT name FROM notify"), "xyz") == 0);

    /* errors view */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM errors", -1), 3);   /* ENOSYS, ENOENT, EINTR */

    /* inode events and lifetime */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM inode_event WHERE kind = 0", -1), 4);
    CHECK_EQ(tt_int(d, "SELECT referenced_at_unmount FROM inode_lifetime WHERE nodeid = 2", -1), 0);
    CHECK_EQ(tt_int(d, "SELECT referenced_at_unmount FROM inode_lifetime WHERE nodeid = 4", -1), 1);
    CHECK(tt_int(d, "SELECT lifetime_ns FROM inode_lifetime WHERE nodeid = 2", -1) > 0);
    CHECK(strcmp(tt_text(d, "SELECT free_cause FROM inode_lifetime WHERE nodeid = 5"), "FORGET") == 0);
    CHECK_EQ(tt_int(d, "SELECT unique_id FROM inode_event WHERE kind = 0 AND nodeid = 3", -1), 10);
    CHECK_EQ(tt_int(d, "SELECT dev FROM inode_event WHERE kind = 0 AND nodeid = 3", -1), 2049);

    /* lookup tables agree with recorder.h */
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_kind_name WHERE kind = 9"), "STALE") == 0);
    CHECK_EQ(REC_INODE_STALE, 9);
    CHECK_EQ(REC_INODE_REVIVE, 10);
    CHECK_EQ(REC_INODE_EXPIRE, 11);
    CHECK_EQ(REC_CAUSE_UNMOUNT, 13);
    CHECK_EQ(REC_CAUSE_LOOKUP_DOTDOT, 15);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_cause_name WHERE cause = 13"), "UNMOUNT") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_kind_name WHERE kind = 10"), "REVIVE") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_kind_name WHERE kind = 11"), "EXPIRE") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_cause_name WHERE cause = 15"), "LOOKUP_DOTDOT") == 0);
    CHECK_EQ(REC_FH_RELEASEDIR, 4);
    CHECK(strcmp(tt_text(d, "SELECT name FROM fh_kind_name WHERE kind = 4"), "RELEASEDIR") == 0);
    CHECK_EQ(REC_PROC_FORK, 1);
    CHECK_EQ(REC_PROC_IDENTITY, 6);
    CHECK(strcmp(tt_text(d, "SELECT group_concat(name, ',') FROM (SELECT name FROM "
                            "process_event_kind_name ORDER BY kind)"),
                 "FORK,EXEC,EXIT,COMM,COMMAND,IDENTITY") == 0);
    CHECK_EQ(REC_INODE_IO_MODE, 12);
    CHECK_EQ(REC_INODE_IO_CONFLICT, 15);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_kind_name WHERE kind = 12"), "IO_MODE") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_kind_name WHERE kind = 13"), "BACKING_OPEN") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_kind_name WHERE kind = 14"), "BACKING_CLOSE") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM inode_kind_name WHERE kind = 15"), "IO_CONFLICT") == 0);

    /* backing calls */
    CHECK(strcmp(tt_text(d, "SELECT call FROM backing"), "fstatat") == 0);
    CHECK(strcmp(tt_text(d, "SELECT name FROM backing"), "file") == 0);
    CHECK_EQ(tt_int(d, "SELECT dur_ns FROM backing", -1), 500);
    CHECK_EQ(tt_int(d, "SELECT unique_id FROM backing", -1), 8);

    /* process attribution: one process, our own */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM process", -1), 1);
    CHECK_EQ(tt_int(d, "SELECT pid FROM process", -1), getpid());
    CHECK(strcmp(tt_text(d, "SELECT comm FROM process"), "test-recorder") == 0);
    CHECK(tt_int(d, "SELECT requests FROM per_process", -1) > 1000);

    /* post-ingest indexes exist */
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                       "AND name IN ('request_unique', 'inode_event_node', 'forget_nodeid')", -1), 3);
    sqlite3_close(d);
}

static void policies(const char *db)
{
    char err[512];
    struct rec_config cfg = { .db_path = db };
    CHECK(recorder_open(&cfg, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "refusing to overwrite") != NULL, "%s", err);

    /* under the mountpoint */
    const char *mnt = tt_path("mnt");
    char inside[1024];
    snprintf(inside, sizeof inside, "%s/sub/trace.db", mnt);
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/sub", mnt);
    CHECK(mkdir(sub, 0700) == 0);
    struct rec_config c2 = { .db_path = inside, .mountpoint = mnt };
    CHECK(recorder_open(&c2, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "inside the mountpoint") != NULL, "%s", err);
    CHECK(access(inside, F_OK) != 0);

    /* a stale WAL next to the target */
    const char *db2 = tt_path("stale.db");
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", db2);
    FILE *f = fopen(wal, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    struct rec_config c3 = { .db_path = db2 };
    CHECK(recorder_open(&c3, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "stale") != NULL, "%s", err);

    /* /proc/PID/stat parsing with a hostile comm */
    const char *stat = "123 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21";
    CHECK_EQ(proc_parse_starttime(stat, strlen(stat)), 987654);
    CHECK_EQ(proc_parse_starttime("123 (x", 6), -1);
}

int main(void)
{
    CHECK(mkdir(tt_path("mnt"), 0700) == 0);
    const char *db = tt_path("rec.db");
    record(db);
    verify(db);
    policies(db);
    /* a second recording in the same process (generation bump) */
    const char *db2 = tt_path("rec2.db");
    char err[512];
    struct rec_config cfg = { .db_path = db2 };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);
    uint8_t args[16];
    size_t n = tt_names(args, "again", NULL);
    tt_send_req(FUSE_LOOKUP, 2, 1, 0, args, n);
    tt_send_reply(2, -ENOENT, NULL, 0);
    struct rec_result res;
    recorder_close(&res);
    CHECK(res.complete && res.events == 2);
    sqlite3 *d;
    struct tracedb_info info;
    CHECK_MSG(tracedb_open(db2, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        CHECK_EQ(tt_int(d, "SELECT count(*) FROM op WHERE errno_name = 'ENOENT'", -1), 1);
        CHECK_EQ(tt_int(d, "SELECT count(*) FROM process", -1), 0);  /* pid 0 */
        sqlite3_close(d);
    }
    int rc = tcheck_done("recorder");
    tt_cleanup();
    return rc;
}
