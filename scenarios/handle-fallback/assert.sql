-- ASSERT: inodes on ramfs fell back with EOPNOTSUPP (95)
SELECT 'no FALLBACK for /ram/sub/f3' WHERE NOT EXISTS
  (SELECT 1 FROM inode_history WHERE kind = 'FALLBACK' AND err = 95 AND path = '/ram/sub/f3');
-- ASSERT: every inode created under /ram has a FALLBACK (err 95) and no handle
SELECT i.nodeid, i.path,
       (SELECT group_concat(kind) FROM inode_history h WHERE h.nodeid = i.nodeid) AS events
FROM inode i WHERE i.path LIKE '/ram/%'
  AND (NOT EXISTS (SELECT 1 FROM inode_history h WHERE h.nodeid = i.nodeid AND h.kind = 'FALLBACK' AND h.err = 95)
       OR EXISTS (SELECT 1 FROM inode_history h WHERE h.nodeid = i.nodeid AND h.kind = 'HANDLE'));
-- ASSERT: inodes on ext4 use file handles
SELECT i.nodeid, i.path FROM inode i WHERE i.path LIKE '/disk%'
  AND NOT EXISTS (SELECT 1 FROM inode_history h WHERE h.nodeid = i.nodeid AND h.kind = 'HANDLE');
-- ASSERT: nothing failed but the expected probes (ENOENT lookups, ENODATA/EOPNOTSUPP xattr reads, ENOTTY/ENOSYS ioctls)
SELECT id, op, path, name, errno_name FROM op
  WHERE errno <> 0 AND NOT (op = 'LOOKUP' AND errno = 2) AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95)) AND NOT (op = 'IOCTL' AND errno IN (25, 38));
