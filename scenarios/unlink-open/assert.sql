-- ASSERT: the unlink succeeded
SELECT 'no successful UNLINK of victim' WHERE NOT EXISTS
  (SELECT 1 FROM op WHERE op = 'UNLINK' AND name = 'victim' AND errno = 0);
-- ASSERT: requests on the unlinked file after the UNLINK succeeded
SELECT o.id, o.op, o.errno_name FROM op o, op u
  WHERE u.op = 'UNLINK' AND u.name = 'victim' AND o.id > u.id AND o.errno <> 0
    AND NOT (o.op IN ('GETXATTR', 'LISTXATTR') AND o.errno IN (61, 95))
    AND o.nodeid = (SELECT nodeid FROM inode WHERE path = '/victim');
-- ASSERT: the file was written and read after the unlink
SELECT 'no WRITE and READ on the fh after the unlink' WHERE
  (SELECT count(DISTINCT o.op) FROM op o, op u WHERE u.op = 'UNLINK' AND u.name = 'victim'
     AND o.id > u.id AND o.op IN ('WRITE', 'READ') AND o.errno = 0
     AND o.nodeid = (SELECT nodeid FROM inode WHERE path = '/victim')) < 2;
-- ASSERT: the fh was released, and the inode freed only after a FORGET
SELECT 'victim released without RELEASE, or freed without FORGET' WHERE NOT EXISTS
  (SELECT 1 FROM fh_history WHERE path = '/victim' AND kind = 'RELEASE')
  OR EXISTS (SELECT 1 FROM inode_history WHERE path = '/victim' AND kind = 'FREE'
             AND cause NOT IN ('FORGET', 'BATCH_FORGET', 'UNMOUNT'));
