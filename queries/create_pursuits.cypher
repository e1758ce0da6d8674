// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create PURSUES that are not stored yet (ChangeSet.new_records); a pair that is stored is
// skipped, so `written` falls short and the writer raises CONFLICT (writers hold the Meta
// lock: no other transaction creates the pair meanwhile). A row with a missing end matches
// nothing either. $rows: {start: familyId, end: goalId, props}.
UNWIND $rows AS row
MATCH (f:Family {id: row.start})
MATCH (g:Goal {id: row.end})
WHERE NOT EXISTS { (f)-[:PURSUES]->(g) }
CREATE (f)-[r:PURSUES]->(g)
SET r = row.props, r.since = date(row.props.since), r.achievedAt = date(row.props.achievedAt)
RETURN count(*) AS written
