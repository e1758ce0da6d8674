// Every referral (the read model's full build).
MATCH (a:Family)-[r:REFERRED]->(b:Family)
RETURN r {.*, fromId: a.id, toId: b.id} AS record
