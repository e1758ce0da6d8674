// The ids among $ids that name no Region node, sorted.
UNWIND $ids AS id
WITH id
WHERE NOT EXISTS { MATCH (:Region {id: id}) }
RETURN id
ORDER BY id
