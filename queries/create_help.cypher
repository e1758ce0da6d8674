// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create HELPED {id, kind, at, hours, amount, confirmed} that are not stored yet
// (ChangeSet.new_records: the helped_id constraint refuses an id stored since, CONFLICT).
// $rows: {start: fromId, end: toId, props}. A row with a missing end matches nothing:
// `written` counts the exchanges created.
UNWIND $rows AS row
MATCH (a:Family {id: row.start})
MATCH (b:Family {id: row.end})
CREATE (a)-[h:HELPED]->(b)
SET h = row.props, h.at = date(row.props.at)
RETURN count(*) AS written
