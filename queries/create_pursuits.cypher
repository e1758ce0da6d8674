// Create PURSUES that are not stored yet (ChangeSet.new_records); a pair that is stored is
// skipped, so `written` falls short and the writer raises CONFLICT (writers hold the Meta
// lock: no other transaction creates the pair meanwhile). A row with a missing end matches
// nothing either. $rows are positional, in the order of
// graph_service.stores.records.columns_of(Pursues) (a test holds the two to the same order):
// [familyId, goalId, since, status, achievedAt, description]; dates as ISO text (cheaper to
// send than Date values), stored as dates; a null is no property.
UNWIND $rows AS row
MATCH (f:Family {id: row[0]})
MATCH (g:Goal {id: row[1]})
WHERE NOT EXISTS { (f)-[:PURSUES]->(g) }
CREATE (f)-[r:PURSUES]->(g)
SET r = {since: date(row[2]), status: row[3], achievedAt: date(row[4]), description: row[5]}
RETURN count(*) AS written
