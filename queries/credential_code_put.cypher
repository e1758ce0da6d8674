// A sign-in code (its hash only), single-use, expiring. $grant is JSON {role, subject, regions}.
CREATE (:SignInCode {hash: $hash, grant: $grant, expiresAt: $expiresAt})
