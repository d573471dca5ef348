-- ASSERT: every object file and the program were created
SELECT 14 - count(DISTINCT name) AS missing_outputs FROM op
  WHERE errno = 0 AND op IN ('CREATE', 'RENAME') AND (name LIKE '%.o' OR name = 'prog' OR name2 LIKE '%.o' OR name2 = 'prog')
  HAVING count(DISTINCT CASE WHEN op = 'CREATE' THEN name END) < 13;
-- ASSERT: nothing failed but the expected probes (ENOENT lookups, ENODATA/EOPNOTSUPP xattr reads, ENOTTY/ENOSYS ioctls)
SELECT op, errno_name, count(*) AS n, min(name) AS example FROM op
  WHERE errno <> 0 AND NOT (op = 'LOOKUP' AND errno = 2) AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95)) AND NOT (op = 'IOCTL' AND errno IN (25, 38)) GROUP BY 1, 2;
-- ASSERT: the compilers and the linker appear as processes
SELECT 'fewer than 3 distinct commands made requests' WHERE
  (SELECT count(DISTINCT comm) FROM per_process WHERE comm IS NOT NULL) < 3;
-- ASSERT: nothing in flight at the end
SELECT id, op, path, name FROM op WHERE outcome = 'inflight';
