// Precondition ProposalPending (models/rules.py): proposal $proposalId exists and is pending.
RETURN EXISTS {
  MATCH (p:CohortProposal {id: $proposalId})
  WHERE p.status = 'pending'
} AS holds
