// bench ingest baseline: regions.csv with LOAD CSV, the MERGE of upsert_regions.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  WITH {id: line.id, name: line.name, state: line.state, latitude: toFloat(line.latitude),
        longitude: toFloat(line.longitude)} AS row
  MERGE (r:Region {id: row.id})
  SET r = row
} IN TRANSACTIONS OF $batch ROWS
