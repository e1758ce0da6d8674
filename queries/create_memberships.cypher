// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create MEMBER_OF that are not stored yet (ChangeSet.new_records); a pair that is stored is
// skipped, so `written` falls short and the writer raises CONFLICT (writers hold the Meta
// lock: no other transaction creates the pair meanwhile). A row with a missing end matches
// nothing either. $rows: {start: familyId, end: cohortId, props}.
UNWIND $rows AS row
MATCH (f:Family {id: row.start})
MATCH (c:Cohort {id: row.end})
WHERE NOT EXISTS { (f)-[:MEMBER_OF]->(c) }
CREATE (f)-[r:MEMBER_OF]->(c)
SET r = row.props, r.since = date(row.props.since)
RETURN count(*) AS written
