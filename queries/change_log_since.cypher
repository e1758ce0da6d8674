// Change feed entries after $version, oldest first, at most $limit.
MATCH (c:ChangeLog)
WHERE c.version > $version
RETURN c.version AS version, c.body AS body
ORDER BY c.version
LIMIT $limit
