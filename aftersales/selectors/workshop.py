"""Reads of the workshop, through ``Model.objects.for_user(user, action)``, each in a constant
number of queries: bays, jobs (the API's list and the board), a technician's own jobs, the
efficiency of the technicians over a period and the day's counts of the widget."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from aftersales.models import Bay, Job, JobStatus, RepairStatus, TimeEntry
from dealership.jobs import is_working_day

LIVE_STATUSES = (JobStatus.WAITING, JobStatus.IN_PROGRESS, JobStatus.PAUSED)
FINAL_ORDERS = (RepairStatus.CLOSED, RepairStatus.CANCELLED)
HOURS_PER_DAY = Decimal("8")
BAY_SORTS = {"code": "code", "-code": "-code", "name": "name", "-name": "-name"}
JOB_SORTS = {
    "order": "repair_order__number",
    "-order": "-repair_order__number",
    "status": "status",
    "-status": "-status",
    "technician": "technician__name",
    "-technician": "-technician__name",
    "bay": "bay__code",
    "-bay": "-bay__code",
    "-id": "-pk",
    "id": "pk",
}


def today() -> dt.date:
    return timezone.localdate()


def parse_day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


# --- bays ----------------------------------------------------------------------------------------


def bays_for_user(user, *, q: str = "", active: str = "", sort: str = "") -> QuerySet[Bay]:
    rows = Bay.objects.for_user(user, "view")
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if active in ("1", "0"):
        rows = rows.filter(is_active=active == "1")
    return rows.order_by(BAY_SORTS.get(sort, "code"), "pk")


# --- jobs ----------------------------------------------------------------------------------------


def _open_entries() -> Prefetch:
    return Prefetch(
        "time_entries",
        queryset=TimeEntry.objects.filter(ended_at__isnull=True).order_by("started_at"),
        to_attr="open_entries",
    )


def job_queryset() -> QuerySet[Job]:
    """Jobs with what a row shows: order, car, operation, technician, bay, open clock."""
    return Job.objects.select_related(
        "repair_order", "repair_order__vehicle", "line", "technician", "bay"
    ).prefetch_related(_open_entries())


def on_the_day(day: dt.date) -> Q:
    """Jobs of ``day``'s board: done that day, clocked that day, and — today — the open ones
    (waiting, in progress, paused) of live repair orders."""
    start, end = _day_bounds(day)
    clocked = TimeEntry.objects.filter(
        job=OuterRef("pk"), started_at__gte=start, started_at__lt=end
    )
    condition = Q(status=JobStatus.DONE, finished_at__gte=start, finished_at__lt=end) | Q(
        Exists(clocked)
    )
    if day == today():
        condition |= Q(status__in=LIVE_STATUSES) & ~Q(repair_order__status__in=FINAL_ORDERS)
    return condition


def jobs_for_user(
    user,
    *,
    technician: int | None = None,
    bay: int | None = None,
    status: str = "",
    day: dt.date | None = None,
    q: str = "",
    sort: str = "",
) -> QuerySet[Job]:
    rows = job_queryset().for_user(user, "view")
    if technician:
        rows = rows.filter(technician_id=technician)
    if bay:
        rows = rows.filter(bay_id=bay)
    if status in JobStatus.values:
        rows = rows.filter(status=status)
    if day is not None:
        rows = rows.filter(on_the_day(day))
    q = (q or "").strip()
    if q:
        rows = rows.filter(
            Q(repair_order__number__icontains=q)
            | Q(repair_order__vehicle__plate__icontains=q)
            | Q(line__description__icontains=q)
            | Q(line__operation_code__icontains=q)
        )
    return rows.order_by(JOB_SORTS.get(sort, "pk"), "pk")


def running_minutes(job: Job, now: dt.datetime | None = None) -> int:
    """Minutes clocked on the job so far, the open entry's running time included."""
    from aftersales.services.workshop import minutes_between

    now = now or timezone.now()
    running = sum(minutes_between(e.started_at, now) for e in getattr(job, "open_entries", []))
    return job.clocked_minutes + running


@dataclass
class BoardGroup:
    key: object
    label: str
    jobs: list = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for j in self.jobs if j.status == status)


@dataclass
class Board:
    day: dt.date
    jobs: list
    by_bay: list[BoardGroup]
    by_technician: list[BoardGroup]
    counts: dict


def board(user, *, technician: int | None = None, bay: int | None = None) -> Board:
    """Today's jobs (waiting, in progress with their running time, paused, done today) grouped by
    bay and by technician; three queries (the jobs, their open clocks, the bays in use)."""
    day = today()
    now = timezone.now()
    jobs = list(
        jobs_for_user(user, technician=technician, bay=bay, day=day).order_by(
            "bay__code", "repair_order__number", "pk"
        )
    )
    for job in jobs:
        job.running = running_minutes(job, now)
        job.clocked_on_at = job.open_entries[0].started_at if job.open_entries else None
    by_bay: dict = {}
    for bay_row in Bay.objects.for_user(user, "view").filter(is_active=True).order_by("code"):
        by_bay[bay_row.pk] = BoardGroup(bay_row.pk, str(bay_row))
    by_technician: dict = {}
    for job in jobs:
        by_bay.setdefault(job.bay_id, BoardGroup(job.bay_id, str(job.bay) if job.bay else ""))
        by_bay[job.bay_id].jobs.append(job)
        name = (job.technician.name or job.technician.username) if job.technician else ""
        by_technician.setdefault(job.technician_id, BoardGroup(job.technician_id, name))
        by_technician[job.technician_id].jobs.append(job)
    if bay:
        by_bay = {k: v for k, v in by_bay.items() if k == bay}
    elif technician:
        by_bay = {k: v for k, v in by_bay.items() if v.jobs}
    counts = {status: sum(1 for j in jobs if j.status == status) for status in JobStatus.values}
    return Board(
        day=day,
        jobs=jobs,
        by_bay=sorted(by_bay.values(), key=lambda g: (g.key is None, g.label)),
        by_technician=sorted(by_technician.values(), key=lambda g: (g.key is None, g.label)),
        counts=counts,
    )


def my_jobs(user) -> list[Job]:
    """The user's assigned jobs of today: open ones of live orders, and those done today."""
    now = timezone.now()
    start, _end = _day_bounds(today())
    rows = (
        jobs_for_user(user)
        .filter(technician_id=user.pk)
        .filter(
            (Q(status__in=LIVE_STATUSES) & ~Q(repair_order__status__in=FINAL_ORDERS))
            | Q(status=JobStatus.DONE, finished_at__gte=start)
        )
        .order_by("status", "repair_order__number", "pk")
    )
    order = {
        JobStatus.IN_PROGRESS: 0,
        JobStatus.PAUSED: 1,
        JobStatus.WAITING: 2,
        JobStatus.DONE: 3,
    }
    jobs = sorted(rows, key=lambda j: (order[j.status], j.pk))
    for job in jobs:
        job.running = running_minutes(job, now)
        job.clocked_on_at = job.open_entries[0].started_at if job.open_entries else None
    return jobs


def time_entries_for_user(
    user, *, technician: int | None = None, job: int | None = None, day: dt.date | None = None
) -> QuerySet[TimeEntry]:
    rows = TimeEntry.objects.for_user(user, "view").select_related(
        "technician", "job__repair_order"
    )
    if technician:
        rows = rows.filter(technician_id=technician)
    if job:
        rows = rows.filter(job_id=job)
    if day is not None:
        start, end = _day_bounds(day)
        rows = rows.filter(started_at__gte=start, started_at__lt=end)
    return rows.order_by("-started_at", "-pk")


# --- efficiency ----------------------------------------------------------------------------------


def _hours(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part / whole * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class EfficiencyRow:
    technician_id: int
    name: str
    jobs_done: int
    sold_hours: Decimal
    clocked_hours: Decimal
    available_hours: Decimal
    efficiency: Decimal | None  # sold / clocked, %
    productivity: Decimal | None  # clocked / available, %

    def as_dict(self) -> dict:
        return {
            "technician": self.technician_id,
            "name": self.name,
            "jobs_done": self.jobs_done,
            "sold_hours": str(self.sold_hours),
            "clocked_hours": str(self.clocked_hours),
            "available_hours": str(self.available_hours),
            "efficiency": None if self.efficiency is None else str(self.efficiency),
            "productivity": None if self.productivity is None else str(self.productivity),
        }


@dataclass
class Efficiency:
    date_from: dt.date
    date_to: dt.date
    working_days: int
    rows: list[EfficiencyRow]
    total: EfficiencyRow

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "working_days": self.working_days,
            "hours_per_day": str(HOURS_PER_DAY),
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.as_dict(),
        }


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def working_days(date_from: dt.date, date_to: dt.date) -> int:
    """Mainland working days from ``date_from`` to ``date_to`` (both included), up to today."""
    last = min(date_to, today())
    days, day = 0, date_from
    while day <= last:
        days += is_working_day(day)
        day += dt.timedelta(days=1)
    return days


def efficiency(user, date_from: dt.date, date_to: dt.date) -> Efficiency:
    """Per technician over ``date_from``..``date_to``: hours sold (the sold hours of the jobs
    finished in the period), hours clocked (the closed time entries started in the period),
    efficiency = sold / clocked, productivity = clocked / available (8 h per mainland working
    day up to today). Read through the access rules; four queries whatever the rows."""
    start, _ = _day_bounds(date_from)
    _, end = _day_bounds(date_to)
    sold = (
        Job.objects.for_user(user, "view")
        .filter(
            status=JobStatus.DONE,
            finished_at__gte=start,
            finished_at__lt=end,
            technician__isnull=False,
        )
        .order_by()
        .values("technician_id")
        .annotate(hours=Sum("sold_hours"), done=Count("pk"))
    )
    duration = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    clocked = (
        TimeEntry.objects.for_user(user, "view")
        .filter(started_at__gte=start, started_at__lt=end, ended_at__isnull=False)
        .order_by()
        .values("technician_id")
        .annotate(spent=Sum(duration))
    )
    sold_by = {r["technician_id"]: r for r in sold}
    clocked_by = {r["technician_id"]: r["spent"] for r in clocked}
    ids = set(sold_by) | set(clocked_by)
    names = {
        u.pk: (u.name or u.username)
        for u in get_user_model().objects.filter(pk__in=ids).only("pk", "name", "username")
    }
    days = working_days(date_from, date_to)
    available = _hours(HOURS_PER_DAY * days)
    rows = []
    for technician_id in ids:
        sold_hours = _hours(sold_by.get(technician_id, {}).get("hours"))
        spent = clocked_by.get(technician_id) or dt.timedelta()
        clocked_hours = _hours(Decimal(spent.total_seconds()) / 3600)
        rows.append(
            EfficiencyRow(
                technician_id=technician_id,
                name=names.get(technician_id, str(technician_id)),
                jobs_done=sold_by.get(technician_id, {}).get("done", 0),
                sold_hours=sold_hours,
                clocked_hours=clocked_hours,
                available_hours=available,
                efficiency=_percent(sold_hours, clocked_hours),
                productivity=_percent(clocked_hours, available),
            )
        )
    rows.sort(key=lambda r: (r.name, r.technician_id))
    total_sold = sum((r.sold_hours for r in rows), Decimal("0.00"))
    total_clocked = sum((r.clocked_hours for r in rows), Decimal("0.00"))
    total_available = _hours(available * len(rows))
    total = EfficiencyRow(
        technician_id=0,
        name="",
        jobs_done=sum(r.jobs_done for r in rows),
        sold_hours=total_sold,
        clocked_hours=total_clocked,
        available_hours=total_available,
        efficiency=_percent(total_sold, total_clocked),
        productivity=_percent(total_clocked, total_available),
    )
    return Efficiency(date_from, date_to, days, rows, total)


# --- widgets -------------------------------------------------------------------------------------


def workshop_today(user) -> dict:
    """The day's counts for the supervisor: jobs waiting / in progress / done today, and the
    technicians clocked on now (two queries)."""
    start, _end = _day_bounds(today())
    jobs = Job.objects.for_user(user, "view").filter(
        ~Q(repair_order__status__in=FINAL_ORDERS) | Q(status=JobStatus.DONE)
    )
    counts = jobs.aggregate(
        waiting=Count("pk", filter=Q(status=JobStatus.WAITING)),
        paused=Count("pk", filter=Q(status=JobStatus.PAUSED)),
        in_progress=Count("pk", filter=Q(status=JobStatus.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=JobStatus.DONE, finished_at__gte=start)),
    )
    counts["clocked_on"] = (
        TimeEntry.objects.for_user(user, "view")
        .filter(ended_at__isnull=True)
        .values("technician_id")
        .distinct()
        .count()
    )
    return counts
