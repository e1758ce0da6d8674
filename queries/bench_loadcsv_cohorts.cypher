// bench ingest baseline: cohorts.csv with LOAD CSV, the MERGE of upsert_cohorts.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  WITH {id: line.id, name: line.name, regionId: line.regionId, createdAt: date(line.createdAt),
        status: line.status, origin: line.origin,
        focusGoals: split(line.focusGoals, ';')} AS row
  MERGE (c:Cohort {id: row.id})
  SET c = row
} IN TRANSACTIONS OF $batch ROWS
