// A web session (its token's hash only). $grant is JSON {role, subject, regions}.
CREATE (:WebSession {hash: $hash, grant: $grant, expiresAt: $expiresAt})
