// Create or replace HELPED {id, kind, at, hours, amount, confirmed}, many per pair, keyed by id.
// $rows: {start: fromId, end: toId, props}.
UNWIND $rows AS row
MATCH (a:Family {id: row.start})
MATCH (b:Family {id: row.end})
MERGE (a)-[h:HELPED {id: row.props.id}]->(b)
SET h = row.props
