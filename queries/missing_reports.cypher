// The ids among $ids that name no MonthlyReport node, sorted.
UNWIND $ids AS id
WITH id
WHERE NOT EXISTS { MATCH (:MonthlyReport {id: id}) }
RETURN id
ORDER BY id
