// The read model's full build: every cohort, as one list of rows
// [id, regionId, status, origin, focusGoals].
MATCH (c:Cohort)
RETURN collect([c.id, c.regionId, c.status, c.origin, c.focusGoals]) AS rows
