// Referrals between two families of $regionIds (null: every family).
MATCH (a:Family)
WHERE $regionIds IS NULL OR a.regionId IN $regionIds
MATCH (a)-[r:REFERRED]->(b:Family)
WHERE $regionIds IS NULL OR b.regionId IN $regionIds
RETURN r {.*, fromId: a.id, toId: b.id} AS record
