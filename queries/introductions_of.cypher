// Introductions each existing family among $ids asked for or was asked about, one row per family.
UNWIND $ids AS id
MATCH (f:Family {id: id})
OPTIONAL MATCH (f)-[i:INTRODUCTION]-(:Family)
RETURN id, collect(i {.*, fromId: startNode(i).id, toId: endNode(i).id}) AS records
