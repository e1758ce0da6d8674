// What a researcher has spent in a budget period (0 when nothing yet).
OPTIONAL MATCH (b:PrivacyBudget {key: $budgetKey})
RETURN coalesce(b.spent, 0.0) AS spent
