// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create or replace REFERRED {at}; $rows: {start: fromId, end: toId, props}.
UNWIND $rows AS row
MATCH (a:Family {id: row.start})
MATCH (b:Family {id: row.end})
MERGE (a)-[r:REFERRED]->(b)
SET r = row.props, r.at = date(row.props.at)
