// bench ingest baseline: referrals.csv with LOAD CSV, the MERGE of upsert_referrals.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  MATCH (a:Family {id: line.fromId})
  MATCH (b:Family {id: line.toId})
  MERGE (a)-[r:REFERRED]->(b)
  SET r = {at: date(line.at)}
} IN TRANSACTIONS OF $batch ROWS
