// The cohorts among $ids that exist.
UNWIND $ids AS id
MATCH (c:Cohort {id: id})
RETURN c {.*} AS record
