// TEST/ADMIN ONLY: delete up to $limit nodes of the family graph with their relationships;
// run again until it returns 0 (the data-version counter stays, so versions keep growing).
// In chunks, so that a large graph does not exceed the server's transaction memory.
MATCH (n)
WHERE NOT n:Meta AND NOT n:ChangeLog
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
