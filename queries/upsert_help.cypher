// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create or replace HELPED {id, kind, at, hours, amount, confirmed}, many per pair, keyed by id.
// `written` counts the rows written (a row with a missing end matches nothing).
// $rows: {start: fromId, end: toId, props}.
UNWIND $rows AS row
MATCH (a:Family {id: row.start})
MATCH (b:Family {id: row.end})
MERGE (a)-[h:HELPED {id: row.props.id}]->(b)
SET h = row.props, h.at = date(row.props.at)
RETURN count(*) AS written
