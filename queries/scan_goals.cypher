// Every goal of the catalogue (the read model's full build).
MATCH (g:Goal)
RETURN g {.*} AS record
ORDER BY g.id
