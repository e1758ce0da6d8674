// Memberships (any status) of each existing family among $ids, one row per family.
UNWIND $ids AS id
MATCH (f:Family {id: id})
OPTIONAL MATCH (f)-[m:MEMBER_OF]->(c:Cohort)
RETURN id, collect(m {.*, familyId: id, cohortId: c.id}) AS records
