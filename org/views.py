"""HTML views of org: thin, built on ``dealership.views.ScopedListView`` / ``ScopedDetailView``."""
