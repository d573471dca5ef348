-- Static lookup tables (schema version 3).  The numbering of opcode_name and
-- notify_name is the FUSE wire protocol's (<linux/fuse.h>; STATX = 52 is
-- newer than bookworm's header).  inode_kind_name, inode_cause_name,
-- fh_kind_name and process_event_kind_name follow the enums of
-- trace/recorder.h; a unit test checks that they agree.

CREATE TABLE opcode_name (
    opcode    INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    has_reply INTEGER NOT NULL          -- 0: the protocol never answers it
) STRICT;

INSERT INTO opcode_name VALUES
    (1, 'LOOKUP', 1), (2, 'FORGET', 0), (3, 'GETATTR', 1), (4, 'SETATTR', 1),
    (5, 'READLINK', 1), (6, 'SYMLINK', 1), (8, 'MKNOD', 1), (9, 'MKDIR', 1),
    (10, 'UNLINK', 1), (11, 'RMDIR', 1), (12, 'RENAME', 1), (13, 'LINK', 1),
    (14, 'OPEN', 1), (15, 'READ', 1), (16, 'WRITE', 1), (17, 'STATFS', 1),
    (18, 'RELEASE', 1), (20, 'FSYNC', 1), (21, 'SETXATTR', 1),
    (22, 'GETXATTR', 1), (23, 'LISTXATTR', 1), (24, 'REMOVEXATTR', 1),
    (25, 'FLUSH', 1), (26, 'INIT', 1), (27, 'OPENDIR', 1), (28, 'READDIR', 1),
    (29, 'RELEASEDIR', 1), (30, 'FSYNCDIR', 1), (31, 'GETLK', 1),
    (32, 'SETLK', 1), (33, 'SETLKW', 1), (34, 'ACCESS', 1), (35, 'CREATE', 1),
    (36, 'INTERRUPT', 0), (37, 'BMAP', 1), (38, 'DESTROY', 1), (39, 'IOCTL', 1),
    (40, 'POLL', 1), (41, 'NOTIFY_REPLY', 0), (42, 'BATCH_FORGET', 0),
    (43, 'FALLOCATE', 1), (44, 'READDIRPLUS', 1), (45, 'RENAME2', 1),
    (46, 'LSEEK', 1), (47, 'COPY_FILE_RANGE', 1), (48, 'SETUPMAPPING', 1),
    (49, 'REMOVEMAPPING', 1), (50, 'SYNCFS', 1), (51, 'TMPFILE', 1),
    (52, 'STATX', 1), (4096, 'CUSE_INIT', 1);

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
    (9, 'STALE'), (10, 'REVIVE'), (11, 'EXPIRE');

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
