// Take the write lock on a researcher's budget for a period (created at 0 when new) and
// read what was spent: concurrent releases against the same budget queue here.
MERGE (b:PrivacyBudget {key: $budgetKey})
  ON CREATE SET b.researcher = $researcher, b.period = $period, b.spent = 0.0
SET b.lockedAt = $at
RETURN b.spent AS spent
