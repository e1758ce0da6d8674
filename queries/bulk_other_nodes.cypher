// Nodes a bulk load (neo4j-admin database import full) would destroy: anything but the Meta
// counters, at most $limit of them, by label. Empty means the database may be replaced.
MATCH (n)
WHERE NOT n:Meta
WITH n LIMIT $limit
UNWIND labels(n) AS label
RETURN label, count(*) AS nodes
