// bench ingest baseline: families.csv with LOAD CSV, the MERGEs of upsert_families.cypher.
LOAD CSV WITH HEADERS FROM $url AS line
CALL (line) {
  WITH {id: line.id, name: line.name, regionId: line.regionId,
        householdSize: toInteger(line.householdSize), languages: split(line.languages, ';'),
        incomeBand: toInteger(line.incomeBand),
        baselineIncomeBand: toInteger(line.baselineIncomeBand),
        strengths: split(line.strengths, ';'), needs: split(line.needs, ';'),
        joinedAt: date(line.joinedAt), contact: line.contact,
        consentMatching: line.consentMatching = 'true',
        consentCrossRegion: line.consentCrossRegion = 'true',
        consentResearch: line.consentResearch = 'true'} AS row
  MATCH (r:Region {id: row.regionId})
  MERGE (f:Family {id: row.id})
  SET f = row
  WITH f, r
  OPTIONAL MATCH (f)-[old:LIVES_IN]->(elsewhere:Region)
  WHERE elsewhere <> r
  DELETE old
  WITH DISTINCT f, r
  MERGE (f)-[:LIVES_IN]->(r)
} IN TRANSACTIONS OF $batch ROWS
