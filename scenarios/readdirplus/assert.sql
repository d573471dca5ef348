-- ASSERT: the listing went through READDIRPLUS
SELECT 'no successful READDIRPLUS' WHERE NOT EXISTS (SELECT 1 FROM op WHERE op = 'READDIRPLUS' AND errno = 0);
-- ASSERT: all 500 names were returned by READDIRPLUS
SELECT 500 - count(DISTINCT name) AS names_missing FROM dirent WHERE name LIKE 'entry-%'
  HAVING count(DISTINCT name) <> 500;
-- ASSERT: every entry returned counted exactly one lookup (NEW, REVIVE or REF, cause READDIRPLUS) in its request
SELECT d.unique_id, d.nodeid, d.name,
       (SELECT count(*) FROM inode_history h WHERE h.unique_id = d.unique_id AND h.nodeid = d.nodeid
          AND h.kind IN ('NEW', 'REVIVE', 'REF') AND h.cause = 'READDIRPLUS') AS lookups
FROM dirent d WHERE d.nodeid IS NOT NULL AND lookups <> 1 LIMIT 10;
-- ASSERT: lookups counted for entries that did not fit were given back (OVERFLOW), none else
SELECT h.unique_id, h.nodeid FROM inode_history h
  WHERE h.cause = 'READDIRPLUS' AND h.kind IN ('NEW', 'REVIVE', 'REF')
    AND NOT EXISTS (SELECT 1 FROM dirent d WHERE d.unique_id = h.unique_id AND d.nodeid = h.nodeid)
    AND NOT EXISTS (SELECT 1 FROM inode_history u WHERE u.unique_id = h.unique_id AND u.nodeid = h.nodeid
                      AND u.cause = 'READDIRPLUS_OVERFLOW')
  LIMIT 10;
-- ASSERT: the lookup count never went negative and FORGETs never exceeded what was counted
SELECT nodeid, kind, nlookup FROM inode_history WHERE nlookup < 0 LIMIT 10;
-- ASSERT: nothing failed but the expected probes (ENODATA/EOPNOTSUPP xattr reads)
SELECT id, op, path, name, errno_name FROM op WHERE errno <> 0 AND NOT (op IN ('GETXATTR', 'LISTXATTR') AND errno IN (61, 95));
