// Goals pursued by the families of $regionIds (null: every family).
MATCH (f:Family)-[p:PURSUES]->(g:Goal)
WHERE $regionIds IS NULL OR f.regionId IN $regionIds
RETURN p {.*, familyId: f.id, goalId: g.id} AS record
