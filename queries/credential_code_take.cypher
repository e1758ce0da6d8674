// Redeem a sign-in code: lock the node first (the SET), then check it is unused and unexpired
// and mark it used, so that of two concurrent redemptions only one returns a row.
// Times are fixed-width UTC texts (YYYY-MM-DDTHH:MM:SS.ffffffZ), compared as text.
MATCH (c:SignInCode {hash: $hash})
SET c.attempts = coalesce(c.attempts, 0) + 1
WITH c
WHERE c.usedAt IS NULL AND c.expiresAt > $now
SET c.usedAt = $now
RETURN c.grant AS grant
