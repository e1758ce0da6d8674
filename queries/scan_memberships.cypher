// Every membership, any status (the read model's full build).
MATCH (f:Family)-[m:MEMBER_OF]->(c:Cohort)
RETURN m {.*, familyId: f.id, cohortId: c.id} AS record
