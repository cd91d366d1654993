"""What the org chart gives the notification centre: who holds a position that day, which
department's WeCom group a person belongs to, and the org chart's own kinds of notification
(a new login is ready, positions assigned or taken away)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dealership.notifications import (
    AudienceProvider,
    Email,
    NotificationKind,
    PositionHolders,
    register_audience_provider,
    register_kind,
    register_recipient_resolver,
)
from org.models import Department, Position, PositionAssignment
from org.selectors import holding_on

ACCOUNT_READY = "org.account_ready"
POSITION_ASSIGNED = "org.position_assigned"
POSITION_REMOVED = "org.position_removed"

KINDS = [
    NotificationKind(
        ACCOUNT_READY,
        _("Your account is ready"),
        description=_("A login was created for you when you were hired: how to sign in."),
        email=Email.EACH,
        optional=False,
    ),
    NotificationKind(
        POSITION_ASSIGNED,
        _("A position was assigned to you"),
        description=_("You were given a position, and with it what it may see and do."),
        email=Email.EACH,
    ),
    NotificationKind(
        POSITION_REMOVED,
        _("A position was taken from you"),
        description=_("A position you held was taken away from you."),
        email=Email.EACH,
    ),
]


def _holders_of_codes(references, *, dealership, on) -> set[int]:
    codes = {code for ref in references for code in ref.codes}
    return set(
        PositionAssignment.objects.filter(
            holding_on(on), dealership_id=dealership.pk, position__code__in=codes
        ).values_list("staff__user_id", flat=True)
    )


def _holders_of_positions(references, *, dealership, on) -> set[int]:
    ids = {ref.pk for ref in references if ref.dealership_id == dealership.pk}
    return set(
        PositionAssignment.objects.filter(
            holding_on(on), dealership_id=dealership.pk, position_id__in=ids
        ).values_list("staff__user_id", flat=True)
    )


class Departments(AudienceProvider):
    """A department's WeCom group gets the messages of the people holding its positions."""

    def choices(self, dealership):
        return [
            (f"department:{d.code}", d.name)
            for d in Department.objects.filter(dealership_id=dealership.pk)
        ]

    def audiences_of(self, user_ids, *, dealership, on):
        result: dict[int, set[str]] = {}
        rows = PositionAssignment.objects.filter(
            holding_on(on), dealership_id=dealership.pk, staff__user_id__in=user_ids
        ).values_list("staff__user_id", "position__department__code")
        for user_id, code in rows:
            result.setdefault(user_id, set()).add(f"department:{code}")
        return result


def register() -> None:
    for kind in KINDS:
        register_kind(kind)
    register_recipient_resolver(PositionHolders, _holders_of_codes)
    register_recipient_resolver(Position, _holders_of_positions)
    register_audience_provider(Departments())
