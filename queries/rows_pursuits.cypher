// The read model's full build: the PURSUES relationships leaving the families of one page
// (ids from $first, up to $next excluded, or to the end when $next is null), as one list of
// rows [familyId, goalId, status, since, achievedAt, description],
// dates as day ordinals (as Python's date.toordinal).
MATCH (a:Family)-[p:PURSUES]->(b:Goal)
WHERE a.id >= $first AND ($next IS NULL OR a.id < $next)
RETURN collect([a.id, b.id, p.status, duration.inDays(date('0001-01-01'), p.since).days + 1,
                 duration.inDays(date('0001-01-01'), p.achievedAt).days + 1, p.description]) AS rows
