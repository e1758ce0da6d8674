// Create MEMBER_OF that are not stored yet (ChangeSet.new_records); a pair that is stored is
// skipped, so `written` falls short and the writer raises CONFLICT (writers hold the Meta
// lock: no other transaction creates the pair meanwhile). A row with a missing end matches
// nothing either. $rows are positional, in the order of
// graph_service.stores.records.columns_of(MemberOf) (a test holds the two to the same
// order): [familyId, cohortId, since, status, invitedBy]; the date as ISO text (cheaper to
// send than a Date value), stored as a date; a null is no property.
UNWIND $rows AS row
MATCH (f:Family {id: row[0]})
MATCH (c:Cohort {id: row[1]})
WHERE NOT EXISTS { (f)-[:MEMBER_OF]->(c) }
CREATE (f)-[r:MEMBER_OF]->(c)
SET r = {since: date(row[2]), status: row[3], invitedBy: row[4]}
RETURN count(*) AS written
