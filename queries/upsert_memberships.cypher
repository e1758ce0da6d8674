// Create or replace MEMBER_OF {since, status}; $rows: {start: familyId, end: cohortId, props}.
// `written` counts the rows written (a row with a missing end matches nothing).
UNWIND $rows AS row
MATCH (f:Family {id: row.start})
MATCH (c:Cohort {id: row.end})
MERGE (f)-[m:MEMBER_OF]->(c)
SET m = row.props
RETURN count(*) AS written
