// Dates come as ISO text (cheaper to send than Date values) and are stored as dates.
// Create HELPED {id, kind, at, hours, amount, confirmed} that are not stored yet
// (ChangeSet.new_records: the helped_id constraint refuses an id stored since, CONFLICT).
// $rows: {start: fromId, end: toId, props}; the properties are set once, with `at` already
// a date. A row with a missing end matches nothing: `written` counts the exchanges created.
UNWIND $rows AS row
WITH row.start AS start, row.end AS end, row.props AS props
MATCH (a:Family {id: start})
MATCH (b:Family {id: end})
CREATE (a)-[h:HELPED]->(b)
SET h = props {.*, at: date(props.at)}
RETURN count(*) AS written
