// Record one release against the (locked) budget and add its epsilon to the amount spent.
MATCH (b:PrivacyBudget {key: $budgetKey})
CREATE (s:PrivacySpend {key: $spendKey, researcher: $researcher, period: $period,
                        release: $release, epsilon: $epsilon, at: $at, payload: $payload})
CREATE (s)-[:SPENT_FROM]->(b)
SET b.spent = b.spent + $epsilon
RETURN b.spent AS spent
