// Create or replace INTRODUCTION {id, status, requestedOn, answeredOn, fromContact, toContact,
// withdrawnBy} from the family that asks to the peer, keyed by id. $rows: {start, end, props}.
UNWIND $rows AS row
MATCH (a:Family {id: row.start})
MATCH (b:Family {id: row.end})
MERGE (a)-[i:INTRODUCTION {id: row.props.id}]->(b)
SET i = row.props
