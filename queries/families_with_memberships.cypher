// The families among $ids that exist, each with its memberships (any status): one round trip
// for what the access policy needs about a family (its record and its cohorts).
UNWIND $ids AS id
MATCH (f:Family {id: id})
OPTIONAL MATCH (f)-[m:MEMBER_OF]->(c:Cohort)
RETURN f {.*} AS record, collect(m {.*, familyId: id, cohortId: c.id}) AS memberships
