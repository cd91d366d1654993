"""HTML views of finance: thin, built on ``dealership.views.ScopedListView`` / ``ScopedDetailView``."""
