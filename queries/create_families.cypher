// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create families that are not stored yet, with their LIVES_IN (ChangeSet.new_records: the
// import checked that no id is stored; the family_id constraint refuses one stored since,
// which is a CONFLICT). $rows are flat Family records, one per id; each property is set once
// (the map with joinedAt already a date). A row whose region is missing matches nothing:
// `written` counts the families created.
UNWIND $rows AS row
MATCH (r:Region {id: row.regionId})
CREATE (f:Family)
SET f = row {.*, joinedAt: date(row.joinedAt)}
CREATE (f)-[:LIVES_IN]->(r)
RETURN count(*) AS written
