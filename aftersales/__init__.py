"""After-sales: Service check-ins, repair orders, warranty claims and parts.

Builds on: org, crm."""
