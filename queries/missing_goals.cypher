// The ids among $ids that name no Goal node, sorted.
UNWIND $ids AS id
WITH id
WHERE NOT EXISTS { MATCH (:Goal {id: id}) }
RETURN id
ORDER BY id
