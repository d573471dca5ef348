-- ASSERT: the writeback cache was negotiated (FUSE_WRITEBACK_CACHE, 1<<16, in the INIT reply)
SELECT init_flags FROM session WHERE (init_flags & 65536) = 0;
-- ASSERT: the kernel's opens of /log asked for O_APPEND
SELECT 'no OPEN of /log with O_APPEND' WHERE NOT EXISTS
  (SELECT 1 FROM op WHERE op = 'OPEN' AND path = '/log' AND (flags & 1024) <> 0);
-- ASSERT: no backing open of a file carried O_APPEND (1024)
SELECT id, call, arg, name FROM backing
  WHERE call IN ('openat', 'open', 'open_by_handle_at') AND (arg & 1024) <> 0;
-- ASSERT: the kernel's WRITEs of /log (whole dirty pages, from offset 0) end exactly at the final size, 3384 bytes
SELECT min(offset) AS first, max(offset + size) AS end_of_writes FROM op
  WHERE op = 'WRITE' AND path = '/log' AND errno = 0 HAVING min(offset) <> 0 OR max(offset + size) <> 3384;
-- ASSERT: no WRITE went past the final size (an O_APPEND backing fd would have doubled data)
SELECT 'backing file size differs' WHERE NOT EXISTS
  (SELECT 1 FROM reply r JOIN request q USING (unique_id) JOIN inode i ON i.nodeid = q.nodeid
    WHERE i.path = '/log' AND r.attr_size = 3384);
-- ASSERT: nothing failed but the expected probes (ENOENT lookups, ENODATA/EOPNOTSUPP xattr reads, ENOTTY/ENOSYS ioctls)
SELECT id, op, name, errno_name FROM op WHERE errno <> 0 AND NOT (op = 'LOOKUP' AND errno = 2) AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95)) AND NOT (op = 'IOCTL' AND errno IN (25, 38));
