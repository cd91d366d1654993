"""Customer relations: Customers, follow-up calls (回访), satisfaction surveys, complaints and campaigns.

Builds on: org."""
