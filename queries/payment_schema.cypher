// The payment ledger's constraints (graph_service/stores/payments.py).
CREATE CONSTRAINT payment_key IF NOT EXISTS FOR (p:Payment) REQUIRE p.key IS UNIQUE;
CREATE INDEX payment_period IF NOT EXISTS FOR (p:Payment) ON (p.period);
CREATE INDEX payment_family IF NOT EXISTS FOR (p:Payment) ON (p.familyId);
CREATE INDEX payment_event_period IF NOT EXISTS FOR (e:PaymentEvent) ON (e.period)
