// Create HELPED {id, kind, at, hours, amount, confirmed} that are not stored yet
// (ChangeSet.new_records: the helped_id constraint refuses an id stored since, CONFLICT).
// $rows are positional, in the order of graph_service.stores.records.columns_of(Helped) (a
// test holds the two to the same order): [fromId, toId, id, kind, at, hours, amount,
// confirmed]; the date as ISO text (cheaper to send than a Date value), stored as a date; a
// null is no property. The properties are set once. A row with a missing end matches
// nothing: `written` counts the exchanges created.
UNWIND $rows AS row
MATCH (a:Family {id: row[0]})
MATCH (b:Family {id: row[1]})
CREATE (a)-[h:HELPED]->(b)
SET h = {id: row[2], kind: row[3], at: date(row[4]), hours: row[5], amount: row[6],
         confirmed: row[7]}
RETURN count(*) AS written
