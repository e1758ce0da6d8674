// TEST/ADMIN ONLY: delete every node and relationship of the family graph (the data-version
// counter stays, so versions keep growing).
MATCH (n)
WHERE NOT n:Meta
DETACH DELETE n
