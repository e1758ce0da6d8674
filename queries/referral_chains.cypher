// Stored REFERRED edges on the chain from each of $ids up to its root referrer.
UNWIND $ids AS id
MATCH path = (:Family {id: id})<-[:REFERRED*1..]-(root:Family)
WHERE NOT EXISTS { MATCH (:Family)-[:REFERRED]->(root) }
UNWIND relationships(path) AS r
WITH DISTINCT r
RETURN startNode(r).id AS fromId, endNode(r).id AS toId
