-- ASSERT: the waiter's SETLKW was answered EINTR
SELECT 'no SETLKW answered EINTR' WHERE NOT EXISTS
  (SELECT 1 FROM op WHERE op = 'SETLKW' AND errno = 4);
-- ASSERT: an INTERRUPT names that SETLKW's unique (paired by unique)
SELECT s.id, s.unique_id FROM op s WHERE s.op = 'SETLKW' AND s.errno = 4
  AND NOT EXISTS (SELECT 1 FROM request i WHERE i.opcode = 36 AND i.target_unique = s.unique_id);
-- ASSERT: the INTERRUPT arrived while the SETLKW was pending, after ~0.5 s of waiting
SELECT i.unique_id, i.ts, s.ts AS setlkw_ts, s.reply_ts FROM request i JOIN op s ON s.unique_id = i.target_unique
  WHERE i.opcode = 36 AND NOT (i.ts > s.ts AND i.ts <= s.reply_ts AND i.ts - s.ts >= 400000000);
-- ASSERT: the holder's lock request succeeded
SELECT 'the holder did not get its write lock' WHERE NOT EXISTS
  (SELECT 1 FROM request q JOIN reply r USING (unique_id)
    WHERE q.opcode IN (32, 33) AND q.lock_type = 1 AND r.error = 0);
-- ASSERT: nothing left in flight and no other request failed
SELECT id, op, errno_name, outcome FROM op
  WHERE outcome = 'inflight' OR (errno <> 0 AND NOT (op = 'SETLKW' AND errno = 4) AND NOT (op = 'LOOKUP' AND errno = 2) AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95)) AND NOT (op = 'IOCTL' AND errno IN (25, 38)));
