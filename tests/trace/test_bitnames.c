/* test_bitnames.c — the bit_name and bit_field tables of schemas/lookup.sql
 * (the views decode flags, modes, lock types and whence with them) say
 * exactly what the C headers say: every constant below is in the
 * recording's bit_name with its header value and nothing else is, and
 * bit_field.known is the OR of each field's masks. */
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/fuse.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/recorder.h"
#include "tt_util.h"

#ifndef FOPEN_PASSTHROUGH
#define FOPEN_PASSTHROUGH (1 << 7)     /* newer than bookworm's <linux/fuse.h> */
#endif
#define XATTR_CREATE_ 1                /* <sys/xattr.h>, which clashes with <linux/fs.h> */
#define XATTR_REPLACE_ 2
/* The kernel's __FMODE_EXEC (include/linux/fs.h), set in the f_flags of the
 * open of a program being executed. */
#define FMODE_EXEC_FLAG 0x20

struct bitname {
    const char *field;
    long long mask, value;
    const char *name;
};

#define BIT(field, v) { field, (v), (v), #v }
#define VAL(field, mask, v) { field, (mask), (v), #v }

static const struct bitname bitnames[] = {
    /* open(2) flags: OPEN, OPENDIR, CREATE, TMPFILE, READ, WRITE, RELEASE */
    VAL("open", O_ACCMODE, O_RDONLY), VAL("open", O_ACCMODE, O_WRONLY),
    VAL("open", O_ACCMODE, O_RDWR),
    { "open", FMODE_EXEC_FLAG, FMODE_EXEC_FLAG, "FMODE_EXEC" },
    BIT("open", O_CREAT), BIT("open", O_EXCL), BIT("open", O_NOCTTY), BIT("open", O_TRUNC),
    BIT("open", O_APPEND), BIT("open", O_NONBLOCK), BIT("open", O_DSYNC), BIT("open", O_ASYNC),
    BIT("open", O_DIRECT), { "open", 0100000, 0100000, "O_LARGEFILE" },
    BIT("open", O_DIRECTORY), BIT("open", O_NOFOLLOW), BIT("open", O_NOATIME),
    BIT("open", O_CLOEXEC), { "open", O_SYNC & ~O_DSYNC, O_SYNC & ~O_DSYNC, "O_SYNC" },
    BIT("open", O_PATH), { "open", O_TMPFILE & ~O_DIRECTORY, O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE" },
    /* FOPEN_* of OPEN/OPENDIR/CREATE replies */
    BIT("fopen", FOPEN_DIRECT_IO), BIT("fopen", FOPEN_KEEP_CACHE), BIT("fopen", FOPEN_NONSEEKABLE),
    BIT("fopen", FOPEN_CACHE_DIR), BIT("fopen", FOPEN_STREAM), BIT("fopen", FOPEN_NOFLUSH),
    BIT("fopen", FOPEN_PARALLEL_DIRECT_WRITES), BIT("fopen", FOPEN_PASSTHROUGH),
    /* SETATTR valid */
    BIT("setattr_valid", FATTR_MODE), BIT("setattr_valid", FATTR_UID),
    BIT("setattr_valid", FATTR_GID), BIT("setattr_valid", FATTR_SIZE),
    BIT("setattr_valid", FATTR_ATIME), BIT("setattr_valid", FATTR_MTIME),
    BIT("setattr_valid", FATTR_FH), BIT("setattr_valid", FATTR_ATIME_NOW),
    BIT("setattr_valid", FATTR_MTIME_NOW), BIT("setattr_valid", FATTR_LOCKOWNER),
    BIT("setattr_valid", FATTR_CTIME), BIT("setattr_valid", FATTR_KILL_SUIDGID),
    /* st_mode file type (the permission bits are shown in octal) */
    VAL("file_type", S_IFMT, S_IFSOCK), VAL("file_type", S_IFMT, S_IFLNK),
    VAL("file_type", S_IFMT, S_IFREG), VAL("file_type", S_IFMT, S_IFBLK),
    VAL("file_type", S_IFMT, S_IFDIR), VAL("file_type", S_IFMT, S_IFCHR),
    VAL("file_type", S_IFMT, S_IFIFO),
    /* ACCESS mask */
    VAL("access", R_OK | W_OK | X_OK, F_OK), BIT("access", R_OK), BIT("access", W_OK),
    BIT("access", X_OK),
    /* FALLOCATE mode */
    BIT("fallocate", FALLOC_FL_KEEP_SIZE), BIT("fallocate", FALLOC_FL_PUNCH_HOLE),
    BIT("fallocate", FALLOC_FL_NO_HIDE_STALE), BIT("fallocate", FALLOC_FL_COLLAPSE_RANGE),
    BIT("fallocate", FALLOC_FL_ZERO_RANGE), BIT("fallocate", FALLOC_FL_INSERT_RANGE),
    BIT("fallocate", FALLOC_FL_UNSHARE_RANGE),
    /* RENAME2 flags */
    BIT("rename", RENAME_NOREPLACE), BIT("rename", RENAME_EXCHANGE), BIT("rename", RENAME_WHITEOUT),
    /* SETXATTR flags */
    { "xattr", XATTR_CREATE_, XATTR_CREATE_, "XATTR_CREATE" },
    { "xattr", XATTR_REPLACE_, XATTR_REPLACE_, "XATTR_REPLACE" },
    /* FSYNC / FSYNCDIR flags */
    BIT("fsync", FUSE_FSYNC_FDATASYNC),
    /* GETATTR / STATX flags */
    BIT("getattr", FUSE_GETATTR_FH),
    /* GETLK/SETLK/SETLKW flags */
    BIT("lock_flags", FUSE_LK_FLOCK),
    /* lock type (struct flock l_type) */
    VAL("lock_type", -1, F_RDLCK), VAL("lock_type", -1, F_WRLCK), VAL("lock_type", -1, F_UNLCK),
    /* LSEEK whence */
    VAL("whence", -1, SEEK_SET), VAL("whence", -1, SEEK_CUR), VAL("whence", -1, SEEK_END),
    VAL("whence", -1, SEEK_DATA), VAL("whence", -1, SEEK_HOLE),
};
#define NBITS ((int)(sizeof bitnames / sizeof *bitnames))

int main(void)
{
    const char *db = tt_path("bits.db");
    char err[512];
    struct rec_config cfg = { .db_path = db, .source = "/s", .mountpoint = "/m" };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);
    struct rec_result res;
    recorder_close(&res);
    sqlite3 *d;
    CHECK(sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);

    CHECK_EQ(tt_int(d, "SELECT count(*) FROM bit_name", -1), NBITS);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(d, "SELECT mask, value FROM bit_name WHERE field = ? AND name = ?",
                             -1, &st, NULL) == SQLITE_OK);
    for (int i = 0; i < NBITS; i++) {
        sqlite3_bind_text(st, 1, bitnames[i].field, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, bitnames[i].name, -1, SQLITE_STATIC);
        bool row = sqlite3_step(st) == SQLITE_ROW;
        CHECK_MSG(row, "%s %s missing from bit_name", bitnames[i].field, bitnames[i].name);
        if (row)
            CHECK_MSG(sqlite3_column_int64(st, 0) == bitnames[i].mask
                      && sqlite3_column_int64(st, 1) == bitnames[i].value,
                      "%s %s: the table says mask %lld value %lld, the header %lld %lld",
                      bitnames[i].field, bitnames[i].name,
                      (long long)sqlite3_column_int64(st, 0), (long long)sqlite3_column_int64(st, 1),
                      bitnames[i].mask, bitnames[i].value);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

    CHECK(sqlite3_prepare_v2(d, "SELECT known FROM bit_field WHERE field = ?", -1, &st, NULL) == SQLITE_OK);
    int fields = 0;
    for (int i = 0; i < NBITS; ) {
        long long known = 0;
        int j = i;
        for (; j < NBITS && strcmp(bitnames[j].field, bitnames[i].field) == 0; j++)
            known = bitnames[j].mask == -1 || known == -1 ? -1 : known | bitnames[j].mask;
        sqlite3_bind_text(st, 1, bitnames[i].field, -1, SQLITE_STATIC);
        bool row = sqlite3_step(st) == SQLITE_ROW;
        CHECK_MSG(row && sqlite3_column_int64(st, 0) == known, "bit_field %s: want %lld",
                  bitnames[i].field, known);
        sqlite3_reset(st);
        fields++;
        i = j;
    }
    sqlite3_finalize(st);
    CHECK_EQ(tt_int(d, "SELECT count(*) FROM bit_field", -1), fields);
    sqlite3_close(d);
    tt_cleanup();
    return tcheck_done("bit-names");
}
