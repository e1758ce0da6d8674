// The read model's full build: the id of every $every-th family in id order (the first ids
// of the pages the build reads, in parallel, with rows_<part>.cypher).
MATCH (f:Family)
WITH f.id AS id
ORDER BY id
WITH collect(id) AS ids
RETURN [i IN range(0, size(ids) - 1, $every) | ids[i]] AS starts
