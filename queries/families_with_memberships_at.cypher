// The data version, then the families among $ids that exist with their memberships (any
// status), in one round trip: the version says which committed writes the answer covers at
// least (it is read first; the families may be newer), so a caller can tell whether records
// it keeps from the change feed are still current (graph_service/readmodel/records.py).
// Always one row (no family found: an empty list).
OPTIONAL MATCH (meta:Meta {key: 'dataVersion'})
WITH coalesce(meta.value, 0) AS version
OPTIONAL MATCH (f:Family) WHERE f.id IN $ids
OPTIONAL MATCH (f)-[m:MEMBER_OF]->(c:Cohort)
WITH version, f, collect(m {.*, familyId: f.id, cohortId: c.id}) AS memberships
RETURN version,
       collect(CASE WHEN f IS NULL THEN null ELSE {record: f {.*}, memberships: memberships} END)
         AS rows
