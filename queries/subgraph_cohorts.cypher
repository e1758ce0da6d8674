// Every cohort (the subgraph's graph["cohorts"] lists them all, members among its families).
MATCH (c:Cohort)
RETURN c {.*} AS record
