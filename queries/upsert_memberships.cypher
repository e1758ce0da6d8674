// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create or replace MEMBER_OF {since, status}; $rows: {start: familyId, end: cohortId, props}.
// `written` counts the rows written (a row with a missing end matches nothing).
UNWIND $rows AS row
MATCH (f:Family {id: row.start})
MATCH (c:Cohort {id: row.end})
MERGE (f)-[m:MEMBER_OF]->(c)
SET m = row.props, m.since = date(row.props.since)
RETURN count(*) AS written
