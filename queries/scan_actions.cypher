// Every Action node (the full read of one journal kind).
MATCH (n:Action)
RETURN n {.*} AS record
ORDER BY n.id
