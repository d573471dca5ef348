-- ASSERT: two LINK requests succeeded
SELECT count(*) AS links FROM op WHERE op = 'LINK' AND errno = 0 HAVING count(*) <> 2;
-- ASSERT: each LINK answered with the linked inode's own nodeid
SELECT id, name, nodeid2 AS old_nodeid, entry_nodeid FROM op
  WHERE op = 'LINK' AND entry_nodeid IS NOT nodeid2;
-- ASSERT: b and c were never given a nodeid of their own
SELECT nodeid, path FROM inode WHERE path IN ('/b', '/c');
-- ASSERT: each LINK reply added one lookup (REF, cause LINK) to that nodeid
SELECT o.id, o.entry_nodeid FROM op o WHERE o.op = 'LINK' AND NOT EXISTS
  (SELECT 1 FROM inode_history h WHERE h.unique_id = o.unique_id AND h.nodeid = o.entry_nodeid
     AND h.kind = 'REF' AND h.cause = 'LINK' AND h.delta = 1);
-- ASSERT: nothing failed but the expected probes (ENOENT lookups, ENODATA/EOPNOTSUPP xattr reads, ENOTTY/ENOSYS ioctls)
SELECT id, op, name, errno_name FROM op WHERE errno <> 0 AND NOT (op = 'LOOKUP' AND errno = 2) AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95)) AND NOT (op = 'IOCTL' AND errno IN (25, 38));
