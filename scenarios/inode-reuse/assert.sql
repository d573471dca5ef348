-- ASSERT: the reused inode number was detected (REUSE_DETECTED recorded)
SELECT 'no REUSE_DETECTED event' WHERE NOT EXISTS
  (SELECT 1 FROM inode_history WHERE kind = 'REUSE_DETECTED');
-- ASSERT: the new file got a nodeid of its own, not old's
SELECT n.nodeid, n.path, o.nodeid AS old_nodeid FROM inode n JOIN inode o
  ON o.path = '/old' AND n.ino = o.ino AND n.dev = o.dev AND n.nodeid = o.nodeid
  WHERE n.path <> '/old';
-- ASSERT: REUSE_DETECTED names the older entry (other_nodeid = old's nodeid)
SELECT e.* FROM inode_history e WHERE e.kind = 'REUSE_DETECTED'
  AND e.other_nodeid IS NOT (SELECT nodeid FROM inode WHERE path = '/old');
-- ASSERT: the new file's lookup and read succeeded
SELECT id, op, path, name, errno_name FROM op
  WHERE errno <> 0 AND op IN ('OPEN', 'READ', 'GETATTR')
     OR (op = 'LOOKUP' AND name LIKE 'new%' AND errno <> 0);
