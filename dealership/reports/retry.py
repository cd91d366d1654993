"""The wait before a failed report run, or OEM submission, is tried again."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: 2, 4, 8, 16 … minutes, at most a day."""
    base = settings.REPORTS_RETRY_BASE_SECONDS
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 86400))
