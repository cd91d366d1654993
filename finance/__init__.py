"""Finance: Budgets, approval chains for payments, advances and reimbursements.

Builds on: org."""
