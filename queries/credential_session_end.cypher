// Sign-out: the session ends for good.
MATCH (s:WebSession {hash: $hash})
DELETE s
