"""Sales: Showroom traffic, prospects, test drives, quotes, orders and deliveries.

Builds on: org, crm."""
