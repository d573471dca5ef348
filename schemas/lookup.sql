-- Static lookup tables (schema version 3).  The numbering of opcode_name and
-- notify_name is the FUSE wire protocol's (<linux/fuse.h>; STATX = 52 is
-- newer than bookworm's header).  inode_kind_name, inode_cause_name,
-- fh_kind_name and process_event_kind_name follow the enums of
-- trace/recorder.h; a unit test checks that they agree.

-- flags_field / mode_field: the bit_name field that request.flags /
-- request.mode hold for this opcode (NULL: flags not decoded; mode is a
-- file mode).
CREATE TABLE opcode_name (
    opcode      INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    has_reply   INTEGER NOT NULL,       -- 0: the protocol never answers it
    flags_field TEXT,
    mode_field  TEXT
) STRICT;

INSERT INTO opcode_name VALUES
    (1, 'LOOKUP', 1, NULL, NULL), (2, 'FORGET', 0, NULL, NULL),
    (3, 'GETATTR', 1, 'getattr', NULL), (4, 'SETATTR', 1, NULL, NULL),
    (5, 'READLINK', 1, NULL, NULL), (6, 'SYMLINK', 1, NULL, NULL),
    (8, 'MKNOD', 1, NULL, NULL), (9, 'MKDIR', 1, NULL, NULL),
    (10, 'UNLINK', 1, NULL, NULL), (11, 'RMDIR', 1, NULL, NULL),
    (12, 'RENAME', 1, NULL, NULL), (13, 'LINK', 1, NULL, NULL),
    (14, 'OPEN', 1, 'open', NULL), (15, 'READ', 1, 'open', NULL),
    (16, 'WRITE', 1, 'open', NULL), (17, 'STATFS', 1, NULL, NULL),
    (18, 'RELEASE', 1, 'open', NULL), (20, 'FSYNC', 1, 'fsync', NULL),
    (21, 'SETXATTR', 1, 'xattr', NULL), (22, 'GETXATTR', 1, NULL, NULL),
    (23, 'LISTXATTR', 1, NULL, NULL), (24, 'REMOVEXATTR', 1, NULL, NULL),
    (25, 'FLUSH', 1, NULL, NULL), (26, 'INIT', 1, NULL, NULL),
    (27, 'OPENDIR', 1, 'open', NULL), (28, 'READDIR', 1, NULL, NULL),
    (29, 'RELEASEDIR', 1, 'open', NULL), (30, 'FSYNCDIR', 1, 'fsync', NULL),
    (31, 'GETLK', 1, 'lock_flags', NULL), (32, 'SETLK', 1, 'lock_flags', NULL),
    (33, 'SETLKW', 1, 'lock_flags', NULL), (34, 'ACCESS', 1, NULL, 'access'),
    (35, 'CREATE', 1, 'open', NULL), (36, 'INTERRUPT', 0, NULL, NULL),
    (37, 'BMAP', 1, NULL, NULL), (38, 'DESTROY', 1, NULL, NULL),
    (39, 'IOCTL', 1, NULL, NULL), (40, 'POLL', 1, NULL, NULL),
    (41, 'NOTIFY_REPLY', 0, NULL, NULL), (42, 'BATCH_FORGET', 0, NULL, NULL),
    (43, 'FALLOCATE', 1, NULL, 'fallocate'), (44, 'READDIRPLUS', 1, NULL, NULL),
    (45, 'RENAME2', 1, 'rename', NULL), (46, 'LSEEK', 1, 'whence', NULL),
    (47, 'COPY_FILE_RANGE', 1, NULL, NULL), (48, 'SETUPMAPPING', 1, NULL, NULL),
    (49, 'REMOVEMAPPING', 1, NULL, NULL), (50, 'SYNCFS', 1, NULL, NULL),
    (51, 'TMPFILE', 1, 'open', NULL), (52, 'STATX', 1, 'getattr', NULL),
    (4096, 'CUSE_INIT', 1, NULL, NULL);

CREATE TABLE notify_name (
    code      INTEGER PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;

INSERT INTO notify_name VALUES
    (1, 'POLL'), (2, 'INVAL_INODE'), (3, 'INVAL_ENTRY'), (4, 'STORE'),
    (5, 'RETRIEVE'), (6, 'DELETE'), (7, 'RESEND'), (8, 'INC_EPOCH');

CREATE TABLE inode_kind_name (
    kind      INTEGER PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;

INSERT INTO inode_kind_name VALUES
    (0, 'NEW'), (1, 'REF'), (2, 'UNREF'), (3, 'FREE'), (4, 'HANDLE'),
    (5, 'FALLBACK'), (6, 'FD_OPEN'), (7, 'FD_EVICT'), (8, 'REUSE_DETECTED'),
    (9, 'STALE'), (10, 'REVIVE'), (11, 'EXPIRE'), (12, 'IO_MODE'), (13, 'BACKING_OPEN'), (14, 'BACKING_CLOSE'),
    (15, 'IO_CONFLICT');

-- I/O modes of an inode's open files (shim/io_mode.h).
CREATE TABLE io_mode_name (
    mode      INTEGER PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;

INSERT INTO io_mode_name VALUES
    (0, 'none'), (1, 'cached'), (2, 'direct'), (3, 'passthrough');

CREATE TABLE io_why_name (
    why       INTEGER PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;

INSERT INTO io_why_name VALUES
    (0, 'none'), (1, 'open'), (2, 'release'), (3, 'reply_failed'), (4, 'inode_mode'),
    (5, 'files_open'), (6, 'backing_failed'), (7, 'not_negotiated');

CREATE TABLE inode_cause_name (
    cause     INTEGER PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;

INSERT INTO inode_cause_name VALUES
    (0, 'NONE'), (1, 'LOOKUP'), (2, 'READDIRPLUS'), (3, 'CREATE'), (4, 'MKNOD'),
    (5, 'MKDIR'), (6, 'SYMLINK'), (7, 'LINK'), (8, 'FORGET'),
    (9, 'BATCH_FORGET'), (10, 'READDIRPLUS_OVERFLOW'), (11, 'REPLY_FAILED'),
    (12, 'LRU'), (13, 'UNMOUNT'), (14, 'LOOKUP_DOT'), (15, 'LOOKUP_DOTDOT');

CREATE TABLE fh_kind_name (
    kind      INTEGER PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;

INSERT INTO fh_kind_name VALUES
    (0, 'OPEN'), (1, 'CREATE'), (2, 'RELEASE'), (3, 'OPENDIR'), (4, 'RELEASEDIR');

CREATE TABLE process_event_kind_name (
    kind      INTEGER PRIMARY KEY,
    name      TEXT NOT NULL
) STRICT;

INSERT INTO process_event_kind_name VALUES
    (1, 'FORK'), (2, 'EXEC'), (3, 'EXIT'), (4, 'COMM'), (5, 'COMMAND'), (6, 'IDENTITY');

-- The names of flag bits and enumerated values that request and reply
-- columns carry, for the views' *_text columns (schemas/README.md, "Lookup
-- tables").  A row names value `value` of the bits `mask` of a field: a
-- flag bit has mask = value; an enumeration inside some bits (the access
-- mode inside O_ACCMODE, the file type inside S_IFMT) a wider mask; a
-- whole-value enumeration mask -1.  The numbers are Linux's (x86-64 and
-- arm64 agree on all of them); tests/trace/test_bitnames.c checks every row
-- against the C headers.  FMODE_EXEC is the kernel's mark on the open of a
-- program it executes, which FUSE passes on in the open flags.
CREATE TABLE bit_name (
    field     TEXT NOT NULL,
    mask      INTEGER NOT NULL,
    value     INTEGER NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (field, mask, value)
) STRICT, WITHOUT ROWID;

-- Per field, the bits bit_name names (-1: a whole-value enumeration);
-- other bits set are shown in hex.
CREATE TABLE bit_field (
    field     TEXT PRIMARY KEY,
    known     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO bit_name(field, mask, value, name) VALUES
    ('open', 3, 0, 'O_RDONLY'),
    ('open', 3, 1, 'O_WRONLY'),
    ('open', 3, 2, 'O_RDWR'),
    ('open', 32, 32, 'FMODE_EXEC'),
    ('open', 64, 64, 'O_CREAT'),
    ('open', 128, 128, 'O_EXCL'),
    ('open', 256, 256, 'O_NOCTTY'),
    ('open', 512, 512, 'O_TRUNC'),
    ('open', 1024, 1024, 'O_APPEND'),
    ('open', 2048, 2048, 'O_NONBLOCK'),
    ('open', 4096, 4096, 'O_DSYNC'),
    ('open', 8192, 8192, 'O_ASYNC'),
    ('open', 16384, 16384, 'O_DIRECT'),
    ('open', 32768, 32768, 'O_LARGEFILE'),
    ('open', 65536, 65536, 'O_DIRECTORY'),
    ('open', 131072, 131072, 'O_NOFOLLOW'),
    ('open', 262144, 262144, 'O_NOATIME'),
    ('open', 524288, 524288, 'O_CLOEXEC'),
    ('open', 1048576, 1048576, 'O_SYNC'),
    ('open', 2097152, 2097152, 'O_PATH'),
    ('open', 4194304, 4194304, 'O_TMPFILE'),
    ('fopen', 1, 1, 'FOPEN_DIRECT_IO'),
    ('fopen', 2, 2, 'FOPEN_KEEP_CACHE'),
    ('fopen', 4, 4, 'FOPEN_NONSEEKABLE'),
    ('fopen', 8, 8, 'FOPEN_CACHE_DIR'),
    ('fopen', 16, 16, 'FOPEN_STREAM'),
    ('fopen', 32, 32, 'FOPEN_NOFLUSH'),
    ('fopen', 64, 64, 'FOPEN_PARALLEL_DIRECT_WRITES'),
    ('fopen', 128, 128, 'FOPEN_PASSTHROUGH'),
    ('setattr_valid', 1, 1, 'FATTR_MODE'),
    ('setattr_valid', 2, 2, 'FATTR_UID'),
    ('setattr_valid', 4, 4, 'FATTR_GID'),
    ('setattr_valid', 8, 8, 'FATTR_SIZE'),
    ('setattr_valid', 16, 16, 'FATTR_ATIME'),
    ('setattr_valid', 32, 32, 'FATTR_MTIME'),
    ('setattr_valid', 64, 64, 'FATTR_FH'),
    ('setattr_valid', 128, 128, 'FATTR_ATIME_NOW'),
    ('setattr_valid', 256, 256, 'FATTR_MTIME_NOW'),
    ('setattr_valid', 512, 512, 'FATTR_LOCKOWNER'),
    ('setattr_valid', 1024, 1024, 'FATTR_CTIME'),
    ('setattr_valid', 2048, 2048, 'FATTR_KILL_SUIDGID'),
    ('file_type', 61440, 49152, 'S_IFSOCK'),
    ('file_type', 61440, 40960, 'S_IFLNK'),
    ('file_type', 61440, 32768, 'S_IFREG'),
    ('file_type', 61440, 24576, 'S_IFBLK'),
    ('file_type', 61440, 16384, 'S_IFDIR'),
    ('file_type', 61440, 8192, 'S_IFCHR'),
    ('file_type', 61440, 4096, 'S_IFIFO'),
    ('access', 7, 0, 'F_OK'),
    ('access', 4, 4, 'R_OK'),
    ('access', 2, 2, 'W_OK'),
    ('access', 1, 1, 'X_OK'),
    ('fallocate', 1, 1, 'FALLOC_FL_KEEP_SIZE'),
    ('fallocate', 2, 2, 'FALLOC_FL_PUNCH_HOLE'),
    ('fallocate', 4, 4, 'FALLOC_FL_NO_HIDE_STALE'),
    ('fallocate', 8, 8, 'FALLOC_FL_COLLAPSE_RANGE'),
    ('fallocate', 16, 16, 'FALLOC_FL_ZERO_RANGE'),
    ('fallocate', 32, 32, 'FALLOC_FL_INSERT_RANGE'),
    ('fallocate', 64, 64, 'FALLOC_FL_UNSHARE_RANGE'),
    ('rename', 1, 1, 'RENAME_NOREPLACE'),
    ('rename', 2, 2, 'RENAME_EXCHANGE'),
    ('rename', 4, 4, 'RENAME_WHITEOUT'),
    ('xattr', 1, 1, 'XATTR_CREATE'),
    ('xattr', 2, 2, 'XATTR_REPLACE'),
    ('fsync', 1, 1, 'FUSE_FSYNC_FDATASYNC'),
    ('getattr', 1, 1, 'FUSE_GETATTR_FH'),
    ('lock_flags', 1, 1, 'FUSE_LK_FLOCK'),
    ('lock_type', -1, 0, 'F_RDLCK'),
    ('lock_type', -1, 1, 'F_WRLCK'),
    ('lock_type', -1, 2, 'F_UNLCK'),
    ('whence', -1, 0, 'SEEK_SET'),
    ('whence', -1, 1, 'SEEK_CUR'),
    ('whence', -1, 2, 'SEEK_END'),
    ('whence', -1, 3, 'SEEK_DATA'),
    ('whence', -1, 4, 'SEEK_HOLE');

INSERT INTO bit_field(field, known) VALUES
    ('open', 8388579),
    ('fopen', 255),
    ('setattr_valid', 4095),
    ('file_type', 61440),
    ('access', 7),
    ('fallocate', 127),
    ('rename', 7),
    ('xattr', 3),
    ('fsync', 1),
    ('getattr', 1),
    ('lock_flags', 1),
    ('lock_type', -1),
    ('whence', -1);
