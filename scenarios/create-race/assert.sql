-- ASSERT: exactly one open of /race created the file
SELECT count(*) AS created_opens FROM fh_history
  WHERE path = '/race' AND kind = 'CREATE' AND created = 1 HAVING count(*) <> 1;
-- ASSERT: every other open of /race opened the existing file (OPEN, or CREATE with created = 0)
SELECT 8 - count(*) AS missing_opens FROM fh_history
  WHERE path = '/race' AND kind IN ('OPEN', 'CREATE') HAVING count(*) <> 8;
-- ASSERT: all CREATE and OPEN requests on /race succeeded
SELECT id, op, path, name, errno_name FROM op
  WHERE errno <> 0 AND (op = 'OPEN' OR op = 'CREATE' OR op = 'WRITE');
-- ASSERT: the CREATE requests that found the file existing are recorded as such
SELECT 'a CREATE request was answered without an fh_event' WHERE
  (SELECT count(*) FROM op WHERE op = 'CREATE' AND name = 'race' AND errno = 0) <>
  (SELECT count(*) FROM fh_history WHERE path = '/race' AND kind = 'CREATE');
