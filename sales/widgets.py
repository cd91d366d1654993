"""Dashboard panels of sales, each shown only to who may open what it links to."""

from __future__ import annotations


def register() -> None:
    """Register the sales widgets (filled in with the board)."""
