// The ledger's balance for $period (null: all): cents ever scheduled (from the events) and
// cents now in each state (from the payments).
CALL {
  MATCH (e:PaymentEvent {state: 'scheduled'})
  WHERE $period IS NULL OR e.period = $period
  RETURN coalesce(sum(e.amountCents), 0) AS scheduledEver
}
CALL {
  MATCH (p:Payment)
  WHERE $period IS NULL OR p.period = $period
  RETURN
    coalesce(sum(CASE WHEN p.state = 'scheduled' THEN p.amountCents END), 0) AS scheduled,
    coalesce(sum(CASE WHEN p.state = 'fulfilled' THEN p.amountCents END), 0) AS fulfilled,
    coalesce(sum(CASE WHEN p.state = 'canceled' THEN p.amountCents END), 0) AS canceled,
    coalesce(sum(CASE WHEN p.state = 'failed' THEN p.amountCents END), 0) AS failed
}
RETURN scheduledEver, scheduled, fulfilled, canceled, failed
