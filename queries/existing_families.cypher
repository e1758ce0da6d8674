// The ids among $ids that are families.
UNWIND $ids AS id
MATCH (f:Family {id: id})
RETURN f.id AS id
