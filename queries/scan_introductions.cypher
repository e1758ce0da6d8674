// Every introduction (the read model's full build).
MATCH (a:Family)-[i:INTRODUCTION]->(b:Family)
RETURN i {.*, fromId: a.id, toId: b.id} AS record
