// bench ingest baseline: memberships.csv with LOAD CSV, the MERGE of upsert_memberships.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  MATCH (f:Family {id: line.familyId})
  MATCH (c:Cohort {id: line.cohortId})
  MERGE (f)-[m:MEMBER_OF]->(c)
  SET m = {since: date(line.since), status: line.status, invitedBy: line.invitedBy}
} IN TRANSACTIONS OF $batch ROWS
