// Create or replace MEMBER_OF {since, status}; $rows: {start: familyId, end: cohortId, props}.
UNWIND $rows AS row
MATCH (f:Family {id: row.start})
MATCH (c:Cohort {id: row.end})
MERGE (f)-[m:MEMBER_OF]->(c)
SET m = row.props
