// REFERRED edges below $rootId with their depth (1 = referred by the root), at most $maxDepth
// deep (null: any depth). Each family has one referrer, so each edge is reached by one path.
MATCH path = (:Family {id: $rootId})-[:REFERRED*1..]->(:Family)
WHERE $maxDepth IS NULL OR length(path) <= $maxDepth
WITH last(relationships(path)) AS r, length(path) AS depth
RETURN r {.*, fromId: startNode(r).id, toId: endNode(r).id} AS record, depth
ORDER BY depth
