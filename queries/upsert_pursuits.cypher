// Create or replace PURSUES {since, status, achievedAt, description};
// $rows: {start: familyId, end: goalId, props}.
UNWIND $rows AS row
MATCH (f:Family {id: row.start})
MATCH (g:Goal {id: row.end})
MERGE (f)-[p:PURSUES]->(g)
SET p = row.props
