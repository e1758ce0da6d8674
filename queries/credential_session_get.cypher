// The grant of a live web session.
MATCH (s:WebSession {hash: $hash})
WHERE s.expiresAt > $now
RETURN s.grant AS grant
