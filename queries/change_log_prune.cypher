// Forget change feed entries up to $upTo (a process further behind rebuilds its read model).
MATCH (c:ChangeLog)
WHERE c.version <= $upTo
WITH c LIMIT 10000
DELETE c
