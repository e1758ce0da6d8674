// The Verification nodes of each family among $ids that has any, one row per family.
UNWIND $ids AS id
MATCH (n:Verification {familyId: id})
WITH id, n ORDER BY n.id
RETURN id, collect(n {.*}) AS records
