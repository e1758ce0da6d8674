// bench ingest baseline: help.csv with LOAD CSV, the MERGE of upsert_help.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  MATCH (a:Family {id: line.fromId})
  MATCH (b:Family {id: line.toId})
  MERGE (a)-[h:HELPED {id: line.id}]->(b)
  SET h = {id: line.id, kind: line.kind, at: date(line.at), hours: toFloat(line.hours),
           amount: toFloat(line.amount), confirmed: line.confirmed = 'true'}
} IN TRANSACTIONS OF $batch ROWS
