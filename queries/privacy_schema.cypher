// Privacy-loss ledger (graph_service/stores/privacy_ledger.py): one budget node per
// researcher and budget period, one spend node per release; keys are unique.
CREATE CONSTRAINT privacy_budget_key IF NOT EXISTS FOR (b:PrivacyBudget) REQUIRE b.key IS UNIQUE;
CREATE CONSTRAINT privacy_spend_key IF NOT EXISTS FOR (s:PrivacySpend) REQUIRE s.key IS UNIQUE
