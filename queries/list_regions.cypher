// Every region in id order.
MATCH (r:Region)
RETURN r {.*} AS record
ORDER BY r.id
