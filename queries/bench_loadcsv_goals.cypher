// bench ingest baseline: goals.csv with LOAD CSV, the MERGE of upsert_goals.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  WITH {id: line.id, label: line.label} AS row
  MERGE (g:Goal {id: row.id})
  SET g = row
} IN TRANSACTIONS OF $batch ROWS
