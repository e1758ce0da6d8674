// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create or replace families and their LIVES_IN; a family that moved loses its old LIVES_IN.
// `written` counts the families written (a row whose region is missing matches nothing).
// $rows are flat Family records (one per id).
UNWIND $rows AS row
MATCH (r:Region {id: row.regionId})
MERGE (f:Family {id: row.id})
SET f = row, f.joinedAt = date(row.joinedAt)
WITH f, r
OPTIONAL MATCH (f)-[old:LIVES_IN]->(elsewhere:Region)
WHERE elsewhere <> r
DELETE old
WITH DISTINCT f, r
MERGE (f)-[:LIVES_IN]->(r)
RETURN count(*) AS written
