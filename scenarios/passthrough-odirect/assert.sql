-- ASSERT: the O_DIRECT open was created passthrough, with O_DIRECT on its backing open
SELECT 'O_DIRECT create not passthrough' WHERE NOT EXISTS
  (SELECT 1 FROM fh_history WHERE path = '/direct' AND kind = 'CREATE'
     AND io_mode = 'passthrough' AND (flags & 16384) <> 0);
-- ASSERT: no READ or WRITE reached the daemon
SELECT id, op, size FROM op WHERE op IN ('READ', 'WRITE');
-- ASSERT: the file's size at release is what was written
SELECT 'size at release not 1 MiB' WHERE NOT EXISTS
  (SELECT 1 FROM passthrough_open WHERE path = '/direct' AND size_at_release = 1048576);
