// The read model's full build: the REFERRED relationships leaving the families of one page
// (ids from $first, up to $next excluded, or to the end when $next is null), as one list of
// rows [fromId, toId, at],
// dates as day ordinals (as Python's date.toordinal).
MATCH (a:Family)-[r:REFERRED]->(b:Family)
WHERE a.id >= $first AND ($next IS NULL OR a.id < $next)
RETURN collect([a.id, b.id, duration.inDays(date('0001-01-01'), r.at).days + 1]) AS rows
