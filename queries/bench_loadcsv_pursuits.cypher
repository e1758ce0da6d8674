// bench ingest baseline: pursuits.csv with LOAD CSV, the MERGE of upsert_pursuits.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  MATCH (f:Family {id: line.familyId})
  MATCH (g:Goal {id: line.goalId})
  MERGE (f)-[p:PURSUES]->(g)
  SET p = {since: date(line.since), status: line.status, achievedAt: date(line.achievedAt),
           description: line.description}
} IN TRANSACTIONS OF $batch ROWS
