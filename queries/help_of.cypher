// Help given or received by each existing family among $ids, one row per family.
UNWIND $ids AS id
MATCH (f:Family {id: id})
OPTIONAL MATCH (f)-[h:HELPED]-(:Family)
RETURN id, collect(h {.*, fromId: startNode(h).id, toId: endNode(h).id}) AS records
