-- ASSERT: one RENAME2 with RENAME_EXCHANGE (flags 2) succeeded: x <-> y
SELECT count(*) AS exchanges FROM op
  WHERE op = 'RENAME2' AND flags = 2 AND name = 'x' AND name2 = 'y' AND errno = 0 HAVING count(*) <> 1;
-- ASSERT: the backing renameat2 got the flag and succeeded
SELECT 'no renameat2 with RENAME_EXCHANGE' WHERE NOT EXISTS
  (SELECT 1 FROM backing WHERE call = 'renameat2' AND arg = 2 AND result = 0 AND name = 'x');
-- ASSERT: the exchange with a missing name was refused with ENOENT by the source
SELECT 'no ENOENT for the exchange with a missing name' WHERE NOT EXISTS
  (SELECT 1 FROM op WHERE op = 'RENAME2' AND flags = 2 AND name2 = 'missing' AND errno = 2)
  AND NOT EXISTS (SELECT 1 FROM op WHERE op = 'LOOKUP' AND name = 'missing' AND errno = 2);
-- ASSERT: after the exchange, /x is read as a directory (its inner file is looked up under it)
SELECT 'x/inner not reached through the exchanged x' WHERE NOT EXISTS
  (SELECT 1 FROM op o JOIN op r ON r.op = 'RENAME2' AND r.flags = 2 AND o.id > r.id
    WHERE o.op IN ('LOOKUP', 'OPEN', 'READ') AND o.errno = 0
      AND (o.name = 'inner' OR o.path LIKE '%/inner'));
