// Every Verification node (the full read of one journal kind).
MATCH (n:Verification)
RETURN n {.*} AS record
ORDER BY n.id
