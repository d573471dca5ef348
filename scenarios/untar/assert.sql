-- ASSERT: 61 files created: the 60 regular files, plus GNU tar's placeholder for the symlink (replaced at the end)
SELECT count(*) AS files_created FROM op WHERE op IN ('CREATE', 'MKNOD') AND errno = 0 HAVING count(*) <> 61;
-- ASSERT: the symlink's placeholder was unlinked and replaced by the SYMLINK
SELECT 'placeholder for dir2/link not replaced' WHERE NOT EXISTS
  (SELECT 1 FROM op u JOIN op s ON s.op = 'SYMLINK' AND s.name = 'link' AND s.id > u.id AND s.errno = 0
    WHERE u.op = 'UNLINK' AND u.name = 'link' AND u.errno = 0);
-- ASSERT: 6 directories, 1 symlink, 1 hard link
SELECT op, count(*) FROM op WHERE errno = 0 AND op IN ('MKDIR', 'SYMLINK', 'LINK') GROUP BY op
  HAVING (op = 'MKDIR' AND count(*) <> 6) OR (op <> 'MKDIR' AND count(*) <> 1)
UNION ALL
SELECT 'missing ' || x, 0 FROM (SELECT 'MKDIR' AS x UNION ALL SELECT 'SYMLINK' UNION ALL SELECT 'LINK')
  WHERE x NOT IN (SELECT op FROM op WHERE errno = 0);
-- ASSERT: modes and times were set (SETATTR succeeded)
SELECT 'no successful SETATTR' WHERE NOT EXISTS (SELECT 1 FROM op WHERE op = 'SETATTR' AND errno = 0);
-- ASSERT: nothing failed but the expected probes (ENOENT lookups, ENODATA/EOPNOTSUPP xattr reads, ENOTTY/ENOSYS ioctls)
SELECT id, op, path, name, errno_name FROM op WHERE errno <> 0 AND NOT (op = 'LOOKUP' AND errno = 2) AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95)) AND NOT (op = 'IOCTL' AND errno IN (25, 38));
