// Payments of period $period and/or family $familyId (null: any), by key.
MATCH (p:Payment)
WHERE ($period IS NULL OR p.period = $period) AND ($familyId IS NULL OR p.familyId = $familyId)
RETURN p.key AS key, p.familyId AS familyId, p.period AS period, p.amountCents AS amountCents,
       p.reports AS reports, p.state AS state, p.scheduledAt AS scheduledAt,
       p.settledAt AS settledAt, p.note AS note
ORDER BY key
