// Create or replace Action nodes: (Family)-[:TOOK]->(Action)-[:TOWARD]->(Goal) (TOWARD only
// when the action names a goal). $rows: flat camelCase property maps.
UNWIND $rows AS row
MATCH (f:Family {id: row.familyId})
MERGE (a:Action {id: row.id})
SET a = row
MERGE (f)-[:TOOK]->(a)
WITH a, row
OPTIONAL MATCH (a)-[old:TOWARD]->(:Goal)
DELETE old
WITH DISTINCT a, row
OPTIONAL MATCH (g:Goal {id: row.goalId})
FOREACH (_ IN CASE WHEN g IS NULL THEN [] ELSE [1] END | MERGE (a)-[:TOWARD]->(g))
