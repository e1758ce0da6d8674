// Every help exchange (the read model's full build).
MATCH (a:Family)-[h:HELPED]->(b:Family)
RETURN h {.*, fromId: a.id, toId: b.id} AS record
