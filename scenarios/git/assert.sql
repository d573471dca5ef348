-- ASSERT: nothing failed but the expected probes (ENOENT lookups, ENODATA/EOPNOTSUPP xattr reads, ENOTTY/ENOSYS ioctls)
SELECT op, errno_name, count(*) AS n, min(path) AS example_path, min(name) AS example_name
  FROM op WHERE errno <> 0 AND NOT (op = 'LOOKUP' AND errno = 2) AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95)) AND NOT (op = 'IOCTL' AND errno IN (25, 38)) GROUP BY 1, 2;
-- ASSERT: git's lock files were renamed over their targets (index.lock -> index)
SELECT 'no RENAME index.lock -> index' WHERE NOT EXISTS
  (SELECT 1 FROM op WHERE op IN ('RENAME', 'RENAME2') AND name = 'index.lock' AND name2 = 'index' AND errno = 0);
-- ASSERT: objects were written (CREATE under .git/objects)
SELECT count(*) AS objects_created FROM op o WHERE o.op = 'CREATE' AND o.errno = 0
  AND o.path LIKE '/.git/objects/%' HAVING count(*) < 40;
-- ASSERT: nothing in flight at the end
SELECT id, op, path, name FROM op WHERE outcome = 'inflight';
