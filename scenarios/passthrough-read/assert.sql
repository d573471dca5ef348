-- ASSERT: the file was opened and released
SELECT 'no successful OPEN and RELEASE of /big' WHERE
  (SELECT count(*) FROM fh_history WHERE path = '/big' AND kind = 'OPEN') <> 1
  OR (SELECT count(*) FROM fh_history WHERE path = '/big' AND kind = 'RELEASE') <> 1;
-- ASSERT: not a single READ reached the daemon
SELECT id, op, nodeid, size FROM op WHERE op = 'READ';
-- ASSERT: the open was passthrough: FOPEN_PASSTHROUGH and a backing id set by the tap
SELECT 'open of /big not passthrough' WHERE NOT EXISTS
  (SELECT 1 FROM fh_history f JOIN reply r ON r.unique_id = f.unique_id
    WHERE f.path = '/big' AND f.kind = 'OPEN' AND f.io_mode = 'passthrough'
      AND (r.open_flags & 128) <> 0 AND json_extract(r.extra, '$.backing_id') > 0
      AND r.tap_edit = 'open_flags+PASSTHROUGH backing_id');
-- ASSERT: one BACKING_OPEN and one BACKING_CLOSE for the inode, same id, no error
SELECT 'backing file not registered once and closed once' WHERE
  (SELECT count(*) FROM inode_history WHERE path = '/big' AND kind = 'BACKING_OPEN' AND err IS NULL) <> 1
  OR (SELECT count(*) FROM inode_history WHERE path = '/big' AND kind = 'BACKING_CLOSE' AND err IS NULL) <> 1
  OR (SELECT backing_id FROM inode_history WHERE path = '/big' AND kind = 'BACKING_OPEN')
     IS NOT (SELECT backing_id FROM inode_history WHERE path = '/big' AND kind = 'BACKING_CLOSE');
-- ASSERT: the inode went none -> passthrough -> none, nothing else
SELECT group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ') FROM
  (SELECT io_prev, io_mode, io_why FROM inode_history WHERE path = '/big' AND kind = 'IO_MODE' ORDER BY id)
  HAVING group_concat(io_prev || '>' || io_mode || ':' || io_why, ' ')
    IS NOT 'none>passthrough:open passthrough>none:release';
-- ASSERT: the INIT reply negotiated passthrough (edited by the tap)
SELECT 'INIT reply without FUSE_PASSTHROUGH' WHERE NOT EXISTS
  (SELECT 1 FROM reply WHERE opcode = 26 AND tap_edit LIKE '%flags2+PASSTHROUGH%'
     AND json_extract(extra, '$.max_stack_depth') >= 1);
-- ASSERT: stats' view lists the open with its size at open and release
SELECT 'passthrough_open does not show /big' WHERE NOT EXISTS
  (SELECT 1 FROM passthrough_open WHERE path = '/big' AND size_at_open = 268435456
     AND size_at_release = 268435456 AND open_ns > 0);
