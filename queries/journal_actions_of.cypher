// The Action nodes of each family among $ids that has any, one row per family.
UNWIND $ids AS id
MATCH (n:Action {familyId: id})
WITH id, n ORDER BY n.id
RETURN id, collect(n {.*}) AS records
