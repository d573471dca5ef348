-- The final read's OPEN may be served before the RELEASEs of the second
-- pair: close() returns before the daemon has handled its RELEASE (the
-- kernel sends it asynchronously), and another worker may take the next
-- OPEN first.  Then the inode is still passthrough, and the cached rule of
-- the final read follows it (a third conflict).  Both orders are correct;
-- what is checked is that the transitions recorded are those of the order
-- the daemon served, which the mode of the final OPEN tells.
-- ASSERT: the two conflicts, as the kernel's rules make them
SELECT group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ') FROM
  (SELECT io_prev, io_mode, io_why FROM inode_history WHERE kind = 'IO_CONFLICT' ORDER BY id)
  HAVING group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ')
    IS NOT 'passthrough>cached:files_open cached>passthrough:inode_mode'
           || CASE (SELECT io_mode FROM fh_history WHERE kind = 'OPEN' ORDER BY id DESC LIMIT 1) WHEN 'passthrough' THEN ' cached>passthrough:inode_mode' ELSE '' END;
-- ASSERT: the inode's modes: cached while the first pair was open, passthrough while the second was, then cached for the final read (or still passthrough, see above)
SELECT group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ') FROM
  (SELECT io_prev, io_mode, io_why FROM inode_history WHERE kind = 'IO_MODE' ORDER BY id)
  HAVING group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ')
    IS NOT 'none>cached:open cached>none:release none>passthrough:open passthrough>none:release'
           || CASE (SELECT io_mode FROM fh_history WHERE kind = 'OPEN' ORDER BY id DESC LIMIT 1) WHEN 'passthrough' THEN '' ELSE ' none>cached:open cached>none:release' END;
-- ASSERT: one backing file, registered by the first passthrough open and closed at the last release
SELECT 'not one BACKING_OPEN and one BACKING_CLOSE' WHERE
  (SELECT count(*) FROM inode_history WHERE kind = 'BACKING_OPEN' AND err IS NULL) <> 1
  OR (SELECT count(*) FROM inode_history WHERE kind = 'BACKING_CLOSE' AND err IS NULL) <> 1;
-- ASSERT: each open was answered in the mode the trace says (FOPEN_PASSTHROUGH iff passthrough)
SELECT f.fh, f.path, f.io_mode, r.open_flags FROM fh_history f JOIN reply r ON r.unique_id = f.unique_id
  WHERE f.kind IN ('OPEN', 'CREATE')
    AND ((f.io_mode = 'passthrough') <> ((r.open_flags & 128) <> 0));
-- ASSERT: the opens, in order: two cached, two passthrough, the final read cached (or passthrough, see above); none failed
SELECT 'opens: ' || group_concat(io_mode) FROM (SELECT io_mode FROM fh_history WHERE kind = 'OPEN' ORDER BY id)
  HAVING group_concat(io_mode) NOT IN ('cached,cached,passthrough,passthrough,cached',
                                       'cached,cached,passthrough,passthrough,passthrough');
SELECT id, op, errno_name FROM op WHERE op = 'OPEN' AND errno <> 0;
-- ASSERT: no data went through the daemon while the inode was passthrough
SELECT 'a READ or WRITE while the inode was passthrough' WHERE EXISTS
  (SELECT 1 FROM op WHERE op IN ('READ', 'WRITE')
     AND ts > (SELECT min(ts) FROM inode_history WHERE kind = 'BACKING_OPEN')
     AND ts < (SELECT min(ts) FROM inode_history WHERE kind = 'BACKING_CLOSE'));
