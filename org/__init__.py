"""Org chart: Departments, positions, staff assignments and the capabilities positions grant.

Builds on: dealership."""
