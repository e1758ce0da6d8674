// Every goal pursued by a family (the read model's full build).
MATCH (f:Family)-[p:PURSUES]->(g:Goal)
RETURN p {.*, familyId: f.id, goalId: g.id} AS record
