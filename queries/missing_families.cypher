// The ids among $ids that name no Family node, sorted.
UNWIND $ids AS id
WITH id
WHERE NOT EXISTS { MATCH (:Family {id: id}) }
RETURN id
ORDER BY id
