// Remove the families $ids with every relationship attached to them.
UNWIND $ids AS id
MATCH (f:Family {id: id})
DETACH DELETE f
