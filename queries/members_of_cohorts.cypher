// Memberships (any status) of each existing cohort among $ids, one row per cohort.
UNWIND $ids AS id
MATCH (c:Cohort {id: id})
OPTIONAL MATCH (f:Family)-[m:MEMBER_OF]->(c)
RETURN id, collect(m {.*, familyId: f.id, cohortId: id}) AS records
