// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create or replace PURSUES {since, status, achievedAt, description};
// $rows: {start: familyId, end: goalId, props}.
// `written` counts the rows written (a row with a missing end matches nothing).
UNWIND $rows AS row
MATCH (f:Family {id: row.start})
MATCH (g:Goal {id: row.end})
MERGE (f)-[p:PURSUES]->(g)
SET p = row.props, p.since = date(row.props.since), p.achievedAt = date(row.props.achievedAt)
RETURN count(*) AS written
