// The families among $ids that exist.
UNWIND $ids AS id
MATCH (f:Family {id: id})
RETURN f {.*} AS record
