// The goal catalogue in id order.
MATCH (g:Goal)
RETURN g {.*} AS record
ORDER BY g.id
