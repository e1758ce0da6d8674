// Goals pursued by each existing family among $ids, one row per family.
UNWIND $ids AS id
MATCH (f:Family {id: id})
OPTIONAL MATCH (f)-[p:PURSUES]->(g:Goal)
RETURN id, collect(p {.*, familyId: id, goalId: g.id}) AS records
