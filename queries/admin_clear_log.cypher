// TEST/ADMIN ONLY: forget up to $limit change feed entries before $version (after a clear,
// processes following the feed find it incomplete and rebuild their read model).
MATCH (c:ChangeLog)
WHERE c.version < $version
WITH c LIMIT $limit
DELETE c
RETURN count(*) AS deleted
