// The ids among $ids that name no Cohort node, sorted.
UNWIND $ids AS id
WITH id
WHERE NOT EXISTS { MATCH (:Cohort {id: id}) }
RETURN id
ORDER BY id
