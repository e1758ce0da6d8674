// Every region (the subgraph's graph["regions"] lists them all).
MATCH (r:Region)
RETURN r {.*} AS record
