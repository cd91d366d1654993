"""Reads of crm: outreach — retention lists and the retention rate per delivery month, service
reminders, owner-club members and their rates, SMS campaigns and their preview. Lists go
through ``restricted_queryset`` and run a constant number of queries.

The two rates the e-CRB board reuses are :func:`retention_rates` and :func:`member_rates`:

* retention: of the vehicles delivered in a month (``CustomerEvent`` of kind sales), the share
  that came back for a service visit within 3 and within 6 months of their delivery. It is the
  dealership's figure (its group's for HQ), shown to whoever reads the retention lists (the
  CRM team, after-sales, the management) — the lists themselves are shared by that rule;
* owner club: registration = active members ÷ customers with a delivered vehicle, login =
  active members who logged in during the last 30 days ÷ active members, each against the
  dealership's target (30 % by default), over the members and customers the viewer sees."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from crm.models import (
    Customer,
    CustomerEvent,
    EventKind,
    FollowUpSettings,
    Membership,
    RetentionEntry,
    RetentionList,
    ServiceReminder,
    SmsCampaign,
    SmsDelivery,
)
from crm.services.retention import add_months, month_start
from dealership.access import can, check_model_permission, restricted_queryset
from dealership.tenancy import get_scope

LOGIN_DAYS = 30


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- retention ----------------------------------------------------------------------------------


def retention_lists_for_user(user, *, month: dt.date | None = None, acknowledged=None):
    rows = restricted_queryset(
        user,
        RetentionList,
        "view",
        RetentionList.objects.select_related("acknowledged_by").annotate(
            customers=Count("entries")
        ),
    )
    if month is not None:
        rows = rows.filter(month=month_start(month))
    if acknowledged is True:
        rows = rows.filter(acknowledged_at__isnull=False)
    elif acknowledged is False:
        rows = rows.filter(acknowledged_at__isnull=True)
    return rows.order_by("-month", "band")


def retention_entries(user, retention_list: RetentionList) -> QuerySet[RetentionEntry]:
    return restricted_queryset(
        user,
        RetentionEntry,
        "view",
        RetentionEntry.objects.filter(retention_list=retention_list).select_related(
            "customer", "vehicle"
        ),
    ).order_by("delivered_on", "pk")


def retention_rates(user, months: int = 12, day: dt.date | None = None) -> list[dict]:
    """Per delivery month, oldest first, the last ``months`` months up to ``day`` (today):
    ``month``, ``delivered`` (vehicles delivered), ``back_3`` / ``back_6`` (of them, back for a
    service within 3 / 6 months), ``rate_3`` / ``rate_6`` (percent, ``None`` without
    deliveries) and ``final_3`` / ``final_6`` (the window has closed for every delivery of the
    month: until then the rate can still rise). Two queries."""
    check_model_permission(user, RetentionList, "view")
    day = day or timezone.localdate()
    first = add_months(month_start(day), -(months - 1))
    deliveries, visits = _deliveries_and_visits(first, day)
    return _retention_rows(deliveries, visits, months, first, day)


def retention_rates_by_dealership(user, months: int, day: dt.date) -> dict[int, list[dict]]:
    """:func:`retention_rates` of each dealership the scope reads, ``{dealership id: rows}``,
    in the same two queries (the e-CRB board of HQ; a dealership without deliveries is
    absent)."""
    check_model_permission(user, RetentionList, "view")
    first = add_months(month_start(day), -(months - 1))
    deliveries, visits = _deliveries_and_visits(first, day)
    by_dealership = defaultdict(list)
    for delivery in deliveries:
        by_dealership[delivery[0]].append(delivery)
    return {
        dealership_id: _retention_rows(rows, visits, months, first, day)
        for dealership_id, rows in by_dealership.items()
    }


def _deliveries_and_visits(first: dt.date, day: dt.date):
    """The deliveries from ``first`` to ``day`` (dealership, customer, vehicle, day) and the
    service visits after ``first`` of their vehicles (of their customers, for a delivery
    without a vehicle): ``{("vehicle" | "customer", id): [days]}``."""
    deliveries = list(
        CustomerEvent.objects.filter(
            kind=EventKind.SALES, occurred_on__gte=first, occurred_on__lte=day
        ).values_list("dealership_id", "customer_id", "vehicle_id", "occurred_on")
    )
    visits: dict[tuple[str, int], list[dt.date]] = defaultdict(list)
    if deliveries:
        for vehicle_id, customer_id, occurred_on in CustomerEvent.objects.filter(
            Q(vehicle_id__in={v for _d, _c, v, _o in deliveries if v})
            | Q(
                vehicle__isnull=True,
                customer_id__in={c for _d, c, v, _o in deliveries if not v},
            ),
            kind=EventKind.SERVICE,
            occurred_on__gt=first,
            occurred_on__lte=day,
        ).values_list("vehicle_id", "customer_id", "occurred_on"):
            key = ("vehicle", vehicle_id) if vehicle_id else ("customer", customer_id)
            visits[key].append(occurred_on)
    return deliveries, visits


def _retention_rows(deliveries, visits, months: int, first: dt.date, day: dt.date) -> list[dict]:
    rows = {}
    for n in range(months):
        month = add_months(first, n)
        end = add_months(month, 1) - dt.timedelta(days=1)
        rows[month] = {
            "month": month,
            "delivered": 0,
            "back_3": 0,
            "back_6": 0,
            "final_3": day >= add_months(end, 3),
            "final_6": day >= add_months(end, 6),
        }
    for _dealership_id, customer_id, vehicle_id, delivered in deliveries:
        key = ("vehicle", vehicle_id) if vehicle_id else ("customer", customer_id)
        after = [v for v in visits.get(key, ()) if v > delivered]
        row = rows[month_start(delivered)]
        row["delivered"] += 1
        if after:
            back = min(after)
            row["back_3"] += back <= add_months(delivered, 3)
            row["back_6"] += back <= add_months(delivered, 6)
    for row in rows.values():
        row["rate_3"] = percent(row["back_3"], row["delivered"])
        row["rate_6"] = percent(row["back_6"], row["delivered"])
    return list(rows.values())


# --- service reminders --------------------------------------------------------------------------


def reminders_for_user(
    user,
    *,
    kind: str = "",
    state: str = "",
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    q: str = "",
) -> QuerySet[ServiceReminder]:
    rows = restricted_queryset(
        user,
        ServiceReminder,
        "view",
        ServiceReminder.objects.select_related("customer", "vehicle", "done_by"),
    )
    if kind:
        rows = rows.filter(kind=kind)
    if state:
        rows = rows.filter(state=state)
    if due_from:
        rows = rows.filter(due_on__gte=due_from)
    if due_to:
        rows = rows.filter(due_on__lte=due_to)
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(
            Q(customer__name__icontains=q)
            | Q(customer__mobile__contains=q)
            | Q(vehicle__plate__icontains=q)
        )
    return rows.order_by("due_on", "pk")


# --- owner club ---------------------------------------------------------------------------------


def members_for_user(user, *, status: str = "", q: str = "") -> QuerySet[Membership]:
    rows = restricted_queryset(
        user, Membership, "view", Membership.objects.select_related("customer")
    )
    if status == "active":
        rows = rows.filter(left_on__isnull=True)
    elif status == "left":
        rows = rows.filter(left_on__isnull=False)
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(Q(customer__name__icontains=q) | Q(member_no__icontains=q))
    return rows.order_by("-joined_on", "-pk")


def _targets() -> tuple[int, int]:
    defaults = (
        FollowUpSettings._meta.get_field("member_registration_target").default,
        FollowUpSettings._meta.get_field("member_login_target").default,
    )
    scope = get_scope()
    current = getattr(scope, "current_id", None) if scope is not None else None
    if current is None:
        return defaults
    found = (
        FollowUpSettings.objects.filter(dealership_id=current)
        .values_list("member_registration_target", "member_login_target")
        .first()
    )
    return tuple(found) if found else defaults


def member_rates(user, day: dt.date | None = None) -> dict:
    """The owner club on ``day`` (today) as the viewer sees it: ``members`` (active),
    ``owners`` (customers with a delivered vehicle), ``registration_rate`` and its target,
    ``logged_in`` (active members with a login in the last 30 days), ``login_rate`` and its
    target (percent; a rate is ``None`` when there is nothing to divide by). Three queries."""
    day = day or timezone.localdate()
    counts = _active_members(user, day).aggregate(
        members=Count("pk"),
        logged_in=Count(
            "pk",
            filter=Q(
                last_login_on__gt=day - dt.timedelta(days=LOGIN_DAYS),
                last_login_on__lte=day,
            ),
        ),
    )
    owners = _owners(user, day).count() if can(user, Customer, "view") else 0
    registration_target, login_target = _targets()
    return {
        "day": day,
        "members": counts["members"],
        "owners": owners,
        "registration_rate": percent(counts["members"], owners),
        "registration_target": registration_target,
        "logged_in": counts["logged_in"],
        "login_rate": percent(counts["logged_in"], counts["members"]),
        "login_target": login_target,
    }


def member_numbers_by_dealership(user, day: dt.date) -> dict[int, dict]:
    """``members`` and ``owners`` of :func:`member_rates` for each dealership the scope reads,
    ``{dealership id: {"members", "owners"}}``, in two queries (the e-CRB board of HQ)."""
    numbers: dict[int, dict] = defaultdict(lambda: {"members": 0, "owners": 0})
    members = _active_members(user, day).values("dealership_id").annotate(n=Count("pk"))
    for row in members.order_by():
        numbers[row["dealership_id"]]["members"] = row["n"]
    if can(user, Customer, "view"):
        owners = _owners(user, day).values("dealership_id").annotate(n=Count("pk"))
        for row in owners.order_by():
            numbers[row["dealership_id"]]["owners"] = row["n"]
    return dict(numbers)


def _active_members(user, day: dt.date) -> QuerySet[Membership]:
    return (
        restricted_queryset(user, Membership, "view")
        .filter(joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
    )


def _owners(user, day: dt.date) -> QuerySet[Customer]:
    """Customers with a vehicle delivered by ``day``."""
    return restricted_queryset(user, Customer, "view").filter(
        Exists(
            CustomerEvent.objects.filter(
                customer_id=OuterRef("pk"), kind=EventKind.SALES, occurred_on__lte=day
            )
        )
    )


# --- SMS campaigns ------------------------------------------------------------------------------


def campaigns_for_user(user, *, state: str = "", q: str = "") -> QuerySet[SmsCampaign]:
    rows = restricted_queryset(
        user,
        SmsCampaign,
        "view",
        SmsCampaign.objects.select_related("created_by", "request").annotate(
            delivered=Count("deliveries", filter=Q(deliveries__state="sent"))
        ),
    )
    if state:
        rows = rows.filter(state=state)
    q = (q or "").strip()[:50]
    if q:
        rows = rows.filter(name__icontains=q)
    return rows.order_by("-created_at", "-pk")


def campaign_deliveries(user, campaign: SmsCampaign) -> QuerySet[SmsDelivery]:
    return restricted_queryset(
        user,
        SmsDelivery,
        "view",
        SmsDelivery.objects.filter(campaign=campaign).select_related("customer"),
    ).order_by("pk")


def delivery_counts(campaign: SmsCampaign) -> dict[str, int]:
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    for state, n in (
        SmsDelivery.objects.filter(campaign=campaign)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[state] = n
    counts["total"] = sum(counts.values())
    return counts


def sms_preview(user, *, audience: dict, text: str, sample: int = 10, dealership_id=None):
    """What the campaign would send now: the audience counted (the dealership's, see
    :mod:`crm.services.sms`), and the first ``sample`` messages rendered for the customers of
    the audience the viewer may see, with their numbers as the viewer may see them (each full
    number shown is logged). ``dealership_id``: the campaign's (the current dealership by
    default). A placeholder error raises ``ValidationError``."""
    from django.conf import settings
    from django.utils import translation

    from crm.services.privacy import phones_shown
    from crm.services.sms import Preview, audience_counts, audience_queryset, campaign_values
    from crm.services.texts import check_placeholders, render

    check_placeholders(text)
    counts = audience_counts(audience, dealership_id)
    samples: list[Customer] = []
    if sample and can(user, Customer, "view"):
        visible = restricted_queryset(user, Customer, "view").values("pk")
        samples = list(
            audience_queryset(audience, dealership_id)
            .filter(consent_sms=True, pk__in=visible)
            .exclude(Q(mobile__isnull=True) | Q(mobile=""))[:sample]
        )
    with translation.override(settings.LANGUAGE_CODE):
        values = campaign_values(samples, audience, dealership_id)
    phones = phones_shown(user=user, customers=samples, context="crm.sms_preview")
    return Preview(
        total=counts["total"],
        sendable=counts["sendable"],
        no_consent=counts["no_consent"],
        no_mobile=counts["no_mobile"],
        samples=[
            {
                "customer": customer,
                "phone": phones[customer.pk]["mobile"],
                "text": render(text, values[customer.pk]),
            }
            for customer in samples
        ],
    )
