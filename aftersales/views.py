"""HTML views of aftersales: thin, built on ``dealership.views.ScopedListView`` / ``ScopedDetailView``."""
