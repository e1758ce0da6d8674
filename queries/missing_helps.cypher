// The ids among $ids that name no HELPED relationship, sorted.
UNWIND $ids AS id
WITH id
WHERE NOT EXISTS { MATCH ()-[:HELPED {id: id}]->() }
RETURN id
ORDER BY id
