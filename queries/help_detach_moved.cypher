// Before upserting help: drop stored HELPED whose id is re-sent with other endpoints.
// $rows: {start: fromId, end: toId, props: {id, ...}}.
UNWIND $rows AS row
MATCH (a:Family)-[h:HELPED {id: row.props.id}]->(b:Family)
WHERE a.id <> row.start OR b.id <> row.end
DELETE h
