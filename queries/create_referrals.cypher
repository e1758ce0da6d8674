// Create REFERRED {at} that are not stored yet (ChangeSet.new_records: the writer read the
// stored referrers of these families in this transaction, under the writers' lock, and found
// none). $rows are positional, in the order of graph_service.stores.records.columns_of(Referred)
// (a test holds the two to the same order): [fromId, toId, at]; the date as ISO text (cheaper
// to send than a Date value), stored as a date. A row with a missing end matches nothing:
// `written` counts the referrals created.
UNWIND $rows AS row
MATCH (a:Family {id: row[0]})
MATCH (b:Family {id: row[1]})
CREATE (a)-[r:REFERRED]->(b)
SET r = {at: date(row[2])}
RETURN count(*) AS written
