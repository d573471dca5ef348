-- ASSERT: old's entry pins an fd and has no file handle (--handles=never)
SELECT nodeid, kind, fd, handle_len FROM inode_history
  WHERE path = '/old' AND kind = 'NEW' AND (fd IS NULL OR fd < 0 OR handle_len IS NOT NULL)
UNION ALL
SELECT 'no NEW event for /old', NULL, NULL, NULL
  WHERE NOT EXISTS (SELECT 1 FROM inode_history WHERE path = '/old' AND kind = 'NEW');
-- ASSERT: nothing was taken for a reused inode number
SELECT * FROM inode_history WHERE kind = 'REUSE_DETECTED';
-- ASSERT: no other entry shares old's (dev, ino)
SELECT n.nodeid, n.path FROM inode n JOIN inode o
  ON o.path = '/old' AND n.dev = o.dev AND n.ino = o.ino AND n.nodeid <> o.nodeid;
-- ASSERT: old, unlinked behind the mount, was still opened and read through its nodeid
SELECT 'no successful READ of /old' WHERE NOT EXISTS
  (SELECT 1 FROM op WHERE path = '/old' AND op = 'READ' AND errno = 0 AND bytes > 0);
-- ASSERT: no request on /old or the new files failed
SELECT id, op, path, name, errno_name FROM op
  WHERE errno <> 0 AND (path = '/old' OR name LIKE 'new%' OR path LIKE '/new%')
    AND op <> 'LOOKUP';
