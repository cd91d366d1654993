"""HTML views of sales: thin, built on ``dealership.views.ScopedListView`` / ``ScopedDetailView``."""
