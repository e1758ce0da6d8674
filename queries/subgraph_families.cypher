// Families of $regionIds (null: every family).
MATCH (f:Family)
WHERE $regionIds IS NULL OR f.regionId IN $regionIds
RETURN f {.*} AS record
