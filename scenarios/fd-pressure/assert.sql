-- ASSERT: cached fds were evicted (FD_EVICT recorded)
SELECT 'no FD_EVICT event' WHERE NOT EXISTS (SELECT 1 FROM inode_history WHERE kind = 'FD_EVICT');
-- ASSERT: cached fds stay within the documented bound: fd-cache + 2 per worker thread (8 + 2 x 2 = 12)
WITH o AS (SELECT e.id, e.nodeid,
             (SELECT min(x.id) FROM inode_event x WHERE x.nodeid = e.nodeid AND x.id > e.id
                AND x.kind IN (3, 7)) AS closed
           FROM inode_event e WHERE e.kind = 6)
SELECT o.id AS at_event, (SELECT count(*) FROM o p WHERE p.id <= o.id
                           AND (p.closed IS NULL OR p.closed > o.id)) AS open_fds
FROM o WHERE open_fds > 12 LIMIT 5;
-- ASSERT: nothing failed but the expected probes (ENODATA/EOPNOTSUPP xattr reads)
SELECT id, op, path, name, errno_name FROM op WHERE errno <> 0 AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95));
-- ASSERT: all 400 files were read
SELECT 400 - count(DISTINCT nodeid) AS files_not_read FROM op WHERE op = 'READ'
  HAVING count(DISTINCT nodeid) < 400;
