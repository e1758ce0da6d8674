// The stored answer of an earlier release with the same key (repeats are free), if any.
MATCH (s:PrivacySpend {key: $spendKey})
RETURN s.payload AS payload
