"""HTML views of crm: thin, built on ``dealership.views.ScopedListView`` / ``ScopedDetailView``."""
