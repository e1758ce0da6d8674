// The referral that brought in each of the families $ids (if any).
UNWIND $ids AS id
MATCH (a:Family)-[r:REFERRED]->(:Family {id: id})
RETURN r {.*, fromId: a.id, toId: id} AS record
