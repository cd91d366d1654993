"""Retention (保有客户流失): the monthly recall lists handed to after-sales.

For the month M of a run, two lists (:class:`~crm.models.RetentionList`, one per dealership,
month and band — a unique constraint):

* band ``3-5``: the deliveries (``CustomerEvent`` of kind sales) of months M-5, M-4 and M-3;
* band ``6-8``: those of months M-8, M-7 and M-6;

each keeping only the deliveries whose vehicle has **not come back for service** since (no
``CustomerEvent`` of kind service for that vehicle — for a delivery without a vehicle, for that
customer — after the day of the delivery, up to the day the list is built). Each (customer,
vehicle) is listed once per list (:class:`~crm.models.RetentionEntry`, unique too).

:func:`retention_lists_build` is the monthly job's work. It is idempotent: a list that exists is
never rebuilt nor changed (after-sales may have acknowledged it). Run late — for a later month
after the job missed one or more first-of-the-month runs — it also builds the missed months'
lists (up to :data:`CATCHUP_MONTHS` back, and never before the dealership's first list), once.

:func:`retention_list_acknowledge` records after-sales' receipt (who, when), once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import CustomerEvent, EventKind, RetentionEntry, RetentionList
from dealership.access import lock_for_user
from dealership.actors import SYSTEM
from dealership.audit import save_audited, snapshot
from dealership.tenancy import get_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

Band = RetentionList.Band

# band -> (first, last) months back from the list's month, both included
BANDS = {Band.MONTHS_3_5: (5, 3), Band.MONTHS_6_8: (8, 6)}
# how many months a late run goes back to build lists the job missed
CATCHUP_MONTHS = 3


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months, clamped to the last day of the target month
    (31 January + 1 month = 28/29 February)."""
    import calendar

    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def band_range(month: dt.date, band: str) -> tuple[dt.date, dt.date]:
    """The deliveries of ``band`` for the list of ``month``: ``[start, end)``."""
    first, last = BANDS[band]
    month = month_start(month)
    return add_months(month, -first), add_months(month, -last + 1)


def came_back_q(until: dt.date | None = None) -> Exists:
    """For a sales ``CustomerEvent`` row: a service visit of its vehicle (else, without a
    vehicle, of its customer) after the day of the delivery (and up to ``until``)."""
    service = CustomerEvent.objects.filter(
        kind=EventKind.SERVICE, occurred_on__gt=OuterRef("occurred_on")
    ).filter(
        Q(vehicle_id=OuterRef("vehicle_id"), vehicle_id__isnull=False)
        | Q(vehicle__isnull=True, customer_id=OuterRef("customer_id"))
    )
    if until is not None:
        service = service.filter(occurred_on__lte=until)
    return Exists(service)


def not_returned(month: dt.date, band: str, *, until: dt.date) -> list[dict]:
    """The entries of the list of ``month`` and ``band`` as of ``until``: one per (customer,
    vehicle), with its latest delivery day of the band."""
    start, end = band_range(month, band)
    rows = (
        CustomerEvent.objects.filter(
            kind=EventKind.SALES, occurred_on__gte=start, occurred_on__lt=end
        )
        .filter(~came_back_q(until))
        .order_by("occurred_on", "pk")
        .values("customer_id", "vehicle_id", "occurred_on")
    )
    entries: dict[tuple, dict] = {}
    for row in rows:  # ordered by day: the latest delivery of a pair wins
        entries[(row["customer_id"], row["vehicle_id"])] = row
    return list(entries.values())


def _months_to_build(day: dt.date) -> list[dt.date]:
    """The month of ``day``, and the months a late run missed since the last list built (at
    most :data:`CATCHUP_MONTHS` back; none before the dealership's first list)."""
    current = month_start(day)
    last = RetentionList.objects.order_by("-month").values_list("month", flat=True).first()
    if last is None or last >= current:
        return [current]
    months = []
    month = max(add_months(last, 1), add_months(current, -CATCHUP_MONTHS))
    while month <= current:
        months.append(month)
        month = add_months(month, 1)
    return months


@transaction.atomic
def _build_one(month: dt.date, band: str, *, until: dt.date) -> RetentionList | None:
    """The list of ``month`` and ``band``, with its entries, unless it exists (then ``None``)."""
    if RetentionList.objects.filter(month=month, band=band).exists():
        return None
    dealership_id = get_scope().current_id
    retention_list = RetentionList(dealership_id=dealership_id, month=month, band=band)
    try:
        with transaction.atomic():
            save_audited(actor=SYSTEM, obj=retention_list, before=None)
    except IntegrityError:  # built at the same moment by another run: keep that one
        return None
    RetentionEntry.objects.bulk_create(
        [
            RetentionEntry(
                dealership_id=dealership_id,
                retention_list=retention_list,
                customer_id=row["customer_id"],
                vehicle_id=row["vehicle_id"],
                delivered_on=row["occurred_on"],
            )
            for row in not_returned(month, band, until=until)
        ],
        ignore_conflicts=True,
    )
    return retention_list


def retention_lists_build(*, day: dt.date) -> list[RetentionList]:
    """The monthly job's work for the run day ``day`` in the current dealership: the lists of
    the month of ``day`` (and of the months a late run missed). Returns the lists created now;
    run again, it creates nothing."""
    created = []
    for month in _months_to_build(day):
        for band in BANDS:
            built = _build_one(month, band, until=day)
            if built is not None:
                created.append(built)
    return created


def retention_lists_publish(*, dealership, day: dt.date) -> str:
    """The monthly job: build the lists (:func:`retention_lists_build`) and tell after-sales
    (the service managers) about each list of those months that has customers and is not
    acknowledged yet — once per list (the notification's key), even if a run stopped between
    building and telling."""
    from django.db.models import Count
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    from crm.notifications import RETENTION_LIST
    from dealership.notifications import PositionHolders, notify

    created = retention_lists_build(day=day)
    months = _months_to_build(day) + [list_.month for list_ in created]
    told = 0
    waiting = (
        RetentionList.objects.filter(month__in=set(months), acknowledged_at__isnull=True)
        .annotate(customers=Count("entries"))
        .filter(customers__gt=0)
        .order_by("month", "band")
    )
    for retention_list in waiting:
        told += len(
            notify(
                RETENTION_LIST,
                [PositionHolders("service_manager")],
                format_lazy(
                    gettext_lazy("Retention list {month}: {count} customers to call back"),
                    month=f"{retention_list.month:%Y-%m}",
                    count=retention_list.customers,
                ),
                body=format_lazy(
                    gettext_lazy(
                        "{band}, not back for service since. Acknowledge receipt on the list."
                    ),
                    band=retention_list.get_band_display(),
                ),
                obj=retention_list,
                key=f"crm.retention_list:{retention_list.pk}",
                dealership=dealership,
            )
        )
    return f"{len(created)} lists built, {told} notified"


def may_acknowledge(user) -> bool:
    """After-sales (who holds ``aftersales.change_repair_order`` for their department or the
    dealership) and the CRM managers (``crm.change_followup`` for the dealership)."""
    access = user_access(user)
    if access.is_system:
        return True
    wide = (DataScope.DEPARTMENT, DataScope.DEALERSHIP, DataScope.GROUP)
    return access.writable and (
        access.scope_for(C.AFTERSALES_CHANGE_REPAIR_ORDER) in wide
        or access.scope_for(C.CRM_CHANGE_FOLLOWUP) in (DataScope.DEALERSHIP, DataScope.GROUP)
    )


@transaction.atomic
def retention_list_acknowledge(*, actor, list_id) -> RetentionList:
    """After-sales acknowledges receipt of a retention list (who, when) — once."""
    retention_list = lock_for_user(
        actor, RetentionList, getattr(list_id, "pk", list_id), action="view"
    )
    if not may_acknowledge(actor):
        raise PermissionDenied(
            _("Only after-sales managers and the CRM managers acknowledge retention lists.")
        )
    if retention_list.acknowledged_at is not None:
        who = retention_list.acknowledged_by
        raise ValidationError(
            _("This list was already acknowledged by %(name)s on %(when)s.")
            % {
                "name": (who.name or who.username) if who else "—",
                "when": f"{timezone.localtime(retention_list.acknowledged_at):%Y-%m-%d %H:%M}",
            }
        )
    fields = ["acknowledged_at", "acknowledged_by"]
    before = snapshot(retention_list, fields)
    retention_list.acknowledged_at = timezone.now()
    retention_list.acknowledged_by = actor
    return save_audited(actor=actor, obj=retention_list, before=before, fields=fields)
