// Every MonthlyReport node (the full read of one journal kind).
MATCH (n:MonthlyReport)
RETURN n {.*} AS record
ORDER BY n.id
