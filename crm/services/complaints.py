"""Writes of complaints (投诉)."""

from __future__ import annotations


def complaint_from_survey(*, actor, response, reason: str = ""):
    """Open a complaint for the follow-up of ``response`` (a survey with a score under the
    questionnaire's threshold, or the customer's complaint on the call); returns it."""
    raise NotImplementedError("complaints are being built (#12)")
