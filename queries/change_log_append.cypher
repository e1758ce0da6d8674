// The change feed: the change set committed in this transaction, under its data version.
// Other API processes poll it (change_log_since) to keep their read model current.
CREATE (:ChangeLog {version: $version, at: datetime(), body: $body})
