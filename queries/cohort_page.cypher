// Up to $limit cohorts in id order after $after ('' for the first page), of $regionIds (null: all).
MATCH (c:Cohort)
WHERE c.id > $after
  AND ($regionIds IS NULL OR c.regionId IN $regionIds)
RETURN c {.*} AS record
ORDER BY c.id
LIMIT $limit
