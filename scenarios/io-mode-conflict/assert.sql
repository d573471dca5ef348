-- The workload waits, before each next open, until the recording shows the
-- previous pair released (the inode back to none), so the daemon serves the
-- opens in one order and every transition below is exact.
-- ASSERT: the two conflicts, as the kernel's rules make them
SELECT group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ') FROM
  (SELECT io_prev, io_mode, io_why FROM inode_history WHERE kind = 'IO_CONFLICT' ORDER BY id)
  HAVING group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ')
    IS NOT 'passthrough>cached:files_open cached>passthrough:inode_mode';
-- ASSERT: the inode's modes: cached while the first pair was open, passthrough while the second was, then cached for the final read
SELECT group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ') FROM
  (SELECT io_prev, io_mode, io_why FROM inode_history WHERE kind = 'IO_MODE' ORDER BY id)
  HAVING group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ')
    IS NOT 'none>cached:open cached>none:release none>passthrough:open passthrough>none:release none>cached:open cached>none:release';
-- ASSERT: one backing file, registered by the first passthrough open and closed at the last release
SELECT 'not one BACKING_OPEN and one BACKING_CLOSE' WHERE
  (SELECT count(*) FROM inode_history WHERE kind = 'BACKING_OPEN' AND err IS NULL) <> 1
  OR (SELECT count(*) FROM inode_history WHERE kind = 'BACKING_CLOSE' AND err IS NULL) <> 1;
-- ASSERT: each open was answered in the mode the trace says (FOPEN_PASSTHROUGH iff passthrough)
SELECT f.fh, f.path, f.io_mode, r.open_flags FROM fh_history f JOIN reply r ON r.unique_id = f.unique_id
  WHERE f.kind IN ('OPEN', 'CREATE')
    AND ((f.io_mode = 'passthrough') <> ((r.open_flags & 128) <> 0));
-- ASSERT: the opens, in order: two cached, two passthrough, the final read cached; none failed
SELECT 'opens: ' || group_concat(io_mode) FROM (SELECT io_mode FROM fh_history WHERE kind = 'OPEN' ORDER BY id)
  HAVING group_concat(io_mode) IS NOT 'cached,cached,passthrough,passthrough,cached';
SELECT id, op, errno_name FROM op WHERE op = 'OPEN' AND errno <> 0;
-- ASSERT: no data went through the daemon while the inode was passthrough
SELECT 'a READ or WRITE while the inode was passthrough' WHERE EXISTS
  (SELECT 1 FROM op WHERE op IN ('READ', 'WRITE')
     AND ts > (SELECT min(ts) FROM inode_history WHERE kind = 'BACKING_OPEN')
     AND ts < (SELECT min(ts) FROM inode_history WHERE kind = 'BACKING_CLOSE'));
