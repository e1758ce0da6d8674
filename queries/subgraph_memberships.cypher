// Active memberships of the families of $regionIds (null: every family).
MATCH (f:Family)-[m:MEMBER_OF]->(c:Cohort)
WHERE ($regionIds IS NULL OR f.regionId IN $regionIds) AND m.status = 'active'
RETURN m {.*, familyId: f.id, cohortId: c.id} AS record
