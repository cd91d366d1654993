"""Reads of the e-CRB board (看板): the CRM figures' queries and the board itself.

The figures are the registered key figures (``dealership.figures``): sales and after-sales
register theirs (orders, deliveries, 5K/10K check-ins), crm its own (``crm/figures.py``, on
the queries below). Every query reads through the access chokepoint for the viewer, each in
one statement shared by the figures of its table and grouped by dealership
(``per_dealership``), so the board runs a constant number of queries, for a dealership as for
HQ's group (one set per time zone of the group). Days are the dealership's own (its time zone).

Who opens the board: the people who read every follow-up of the dealership
(``crm.view_followup`` at dealership scope: the CRM director and the customer-relations
manager, the CSI/SSI admin, the deputy GM and the GM) and HQ (group scope), who get one row per
dealership of the group and the group's total."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Complaint,
    ContactCheck,
    ContactCheckState,
    EventKind,
    FollowUp,
    FollowUpSettings,
    FollowUpStatus,
    SurveyChannel,
    SurveyResponse,
)
from crm.models.complaints import OPEN_COMPLAINT_STATES
from dealership.access import can
from dealership.figures import (
    Figure,
    Ratio,
    add_months,
    aggregate_by_dealership,
    all_figures,
    combine,
    day_bounds,
    figure_run,
    figure_values,
    figures_by_dealership,
    line_chart,
    local_today,
    local_zone,
    month_start,
    per_dealership,
)
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

S = FollowUpStatus
TREND_MONTHS = 12
# complaint ages in days: (label, from, to) — to None: and older
COMPLAINT_AGES = (("0_2", 0, 2), ("3_7", 3, 7), ("over_7", 8, None))
FOLLOWUP_KEYS = ("due", "done", "overdue", "unreachable", "contact_base", "contact_part")


# --- who -------------------------------------------------------------------------------------------


def may_open_board(user) -> bool:
    """Dealership-wide readers of the follow-ups, and HQ (group scope)."""
    scope = user_access(user).scope_for(C.CRM_VIEW_FOLLOWUP)
    return scope in (DataScope.DEALERSHIP, DataScope.GROUP)


def today() -> dt.date:
    return local_today()


def parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


# --- the queries behind the CRM figures ----------------------------------------------------------


def _visible(user, model) -> bool:
    return can(user, model, "view")


def followup_numbers(user, day: dt.date) -> dict | None:
    """The follow-ups as of ``day``, in one query:

    * ``due`` — on the day's call list within their window (N+3..N+5), open or closed that day;
    * ``done`` — reached that day (status done, closed that day);
    * ``overdue`` — past their window and still open at the end of the day;
    * ``unreachable`` — made unreachable this month (up to ``day``);
    * ``contact_base`` / ``contact_part`` — follow-ups whose window ended this month up to
      ``day`` (customers who are called), and those of them reached by their window's end."""

    def compute():
        if not _visible(user, FollowUp):
            return None
        start = month_start(day)
        called = ~Q(status=S.NOT_CALLED)
        still_open_on = lambda d: Q(closed_on__isnull=True) | Q(closed_on__gt=d)  # noqa: E731
        due = (
            called
            & Q(window_start__lte=day, window_end__gte=day)
            & (Q(closed_on__isnull=True) | Q(closed_on__gte=day))
        )
        window_ended = called & Q(window_end__gte=start, window_end__lte=day)
        return aggregate_by_dealership(
            FollowUp.objects.for_user(user, "view").filter(window_start__lte=day),
            due=Count("pk", filter=due),
            done=Count("pk", filter=Q(status=S.DONE, closed_on=day)),
            overdue=Count("pk", filter=called & Q(window_end__lt=day) & still_open_on(day)),
            unreachable=Count(
                "pk", filter=Q(status=S.UNREACHABLE, closed_on__gte=start, closed_on__lte=day)
            ),
            contact_base=Count("pk", filter=window_ended),
            contact_part=Count(
                "pk",
                filter=window_ended & Q(status=S.DONE, closed_on__lte=F("window_end")),
            ),
        )

    return per_dealership(("crm.followups", user.pk, day), compute, dict.fromkeys(FOLLOWUP_KEYS, 0))


def contact_target(user) -> int | None:
    """The dealership's contact-rate target (%), from its follow-up rules (100 by default)."""

    def compute():
        if not _visible(user, FollowUpSettings):
            return None
        return dict(
            FollowUpSettings.objects.for_user(user, "view").values_list(
                "dealership_id", "contact_target"
            )
        )

    default = FollowUpSettings._meta.get_field("contact_target").default
    return per_dealership(("crm.rules", user.pk), compute, default)


def open_contact_checks(user, day: dt.date) -> int | None:
    """Unreachable customers waiting for the consultant's verified contacts."""

    def compute():
        if not _visible(user, ContactCheck):
            return None
        return aggregate_by_dealership(
            ContactCheck.objects.for_user(user, "view").filter(
                state=ContactCheckState.OPEN, week__lte=day
            ),
            n=Count("pk"),
        )

    numbers = per_dealership(("crm.contact_checks", user.pk, day), compute, {"n": 0})
    return None if numbers is None else numbers["n"]


def survey_months(user, day: dt.date, months: int = TREND_MONTHS) -> dict | None:
    """``{(kind, first day of month): Ratio(sum of scores, surveys)}`` of the call surveys taken
    in the ``months`` months up to ``day`` (months in the dealership's time zone); one query."""

    def compute():
        if not _visible(user, SurveyResponse):
            return None
        zone = local_zone()
        since, _end = day_bounds(add_months(day, -(months - 1)))
        _start, until = day_bounds(day)
        rows = (
            SurveyResponse.objects.for_user(user, "view")
            .filter(
                channel=SurveyChannel.CALL,
                score__isnull=False,
                taken_at__gte=since,
                taken_at__lt=until,
                # the follow-ups joined in the response's dealership: PostgreSQL then reads that
                # dealership's follow-ups by its index, not every follow-up of the scope (30 ms
                # a dealership on the bench data, now 5)
                followup__dealership_id=F("dealership_id"),
            )
            .annotate(month=TruncMonth("taken_at", tzinfo=zone))
            .values("dealership_id", "followup__kind", "month")
            .annotate(total=Sum("score"), n=Count("pk"))
            .order_by()
        )
        result: dict[int, dict] = {}
        for row in rows:
            month = row["month"]
            if isinstance(month, dt.datetime):
                month = (month.astimezone(zone) if month.tzinfo else month).date()
            result.setdefault(row["dealership_id"], {})[(row["followup__kind"], month)] = Ratio(
                row["total"], row["n"], scale=1, places=2
            )
        return result

    return per_dealership(("crm.surveys", user.pk, day, months), compute, {})


def complaint_ages(user, day: dt.date) -> dict | None:
    """Open complaints (registered, assigned, in progress) received by the end of ``day``, in
    all and by age in days (received ``day`` = 0): one query."""

    def compute():
        if not _visible(user, Complaint):
            return None
        _start, end = day_bounds(day)
        buckets = {}
        for key, low, high in COMPLAINT_AGES:
            condition = Q(received_at__lt=day_bounds(day - dt.timedelta(days=low))[1])
            if high is not None:
                condition &= Q(received_at__gte=day_bounds(day - dt.timedelta(days=high))[0])
            buckets[key] = Count("pk", filter=condition)
        return aggregate_by_dealership(
            Complaint.objects.for_user(user, "view").filter(
                state__in=OPEN_COMPLAINT_STATES, received_at__lt=end
            ),
            open=Count("pk"),
            **buckets,
        )

    keys = ("open", *(key for key, _low, _high in COMPLAINT_AGES))
    return per_dealership(("crm.complaints", user.pk, day), compute, dict.fromkeys(keys, 0))


# --- the board ---------------------------------------------------------------------------------------

SECTIONS = (
    ("day", _("Yesterday")),
    ("followups", _("Follow-up calls today")),
    ("month", _("This month")),
    ("complaints", _("Open complaints")),
)
SECTION_ORDER = {key: index for index, (key, _title) in enumerate(SECTIONS)}
HEADLINE = (
    "sales.orders",
    "sales.deliveries",
    "crm.followups_due",
    "crm.followups_overdue",
    "crm.ssi",
    "crm.csi",
)


@dataclass
class Cell:
    figure: Figure
    value: object
    url: str | None = None

    @property
    def shown(self) -> str:
        return format_value(self.value, self.figure.unit)


@dataclass
class Section:
    key: str
    title: str
    cells: list[Cell]


@dataclass
class Row:
    """One dealership (HQ's table), or the group's total (``dealership`` None)."""

    name: str
    dealership_id: int | None
    cells: list[Cell]


@dataclass
class Board:
    day: dt.date  # the board's day ("today")
    yesterday: dt.date
    sections: list[Section] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # HQ: one per dealership, then the group
    columns: list[Figure] = field(default_factory=list)
    trend_labels: list[str] = field(default_factory=list)
    trend: list[tuple[str, list]] = field(default_factory=list)
    is_group: bool = False

    @property
    def chart(self) -> str:
        if not self.trend:
            return ""
        return line_chart(
            self.trend_labels,
            [(str(name), values) for name, values in self.trend],
            title=str(_("SSI and CSI by month (mean score 0–10)")),
            y_range=(0, 10),
        )

    def as_dict(self) -> dict:
        def figures(cells):
            return [
                {
                    "code": c.figure.code,
                    "label": str(c.figure.label),
                    "group": c.figure.group,
                    "value": plain(c.value),
                    "unit": c.figure.unit,
                }
                for c in cells
            ]

        data = {
            "day": self.day.isoformat(),
            "yesterday": self.yesterday.isoformat(),
            "trend": {
                "months": self.trend_labels,
                "series": [
                    {"name": str(name), "values": [plain(v) for v in values]}
                    for name, values in self.trend
                ],
            },
        }
        if self.is_group:
            data["dealerships"] = [
                {"dealership": r.dealership_id, "name": r.name, "figures": figures(r.cells)}
                for r in self.rows
                if r.dealership_id is not None
            ]
            data["group"] = figures(self.rows[-1].cells) if self.rows else []
        else:
            data["figures"] = figures([c for s in self.sections for c in s.cells])
        return data


def plain(value):
    """A JSON-friendly number: ``int``, a ``Decimal`` as a string, ``None``."""
    if value is None or isinstance(value, int):
        return value
    return str(value)


def format_value(value, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value}"
    return f"{text}{unit}" if unit == "%" else text


def board_days(day: dt.date) -> dict[str, dt.date]:
    """The day each group of figures takes on the board of ``day``."""
    return {"day": day - dt.timedelta(days=1)}


def _links(user) -> dict[str, str | None]:
    """Each figure's list, if it exists and the viewer may open it."""
    links = {}
    for figure in all_figures():
        url = None
        if figure.url_name and figure.model:
            try:
                model = apps.get_model(figure.model)
                if can(user, model, "view"):
                    url = reverse(figure.url_name)
            except (LookupError, NoReverseMatch):
                url = None
        links[figure.code] = url
    return links


def _trend(months: list[dt.date], per_dealership: list[dict | None]):
    series = []
    for kind, label in ((EventKind.SALES, _("SSI")), (EventKind.SERVICE, _("CSI"))):
        values = [
            combine([(found or {}).get((kind, m)) for found in per_dealership]) for m in months
        ]
        series.append((label, values))
    if all(v is None for _label, values in series for v in values):
        return []
    return series


def board(user, day: dt.date, *, codes: tuple[str, ...] | None = None, trend: bool = True):
    """The e-CRB board of ``day`` (today by default) as the viewer may see it: the figures by
    section for a dealership; for HQ one row per dealership of the group and the group's total
    (counts added up, rates weighted by their base). ``codes`` keeps only those figures (the
    dashboard panel); ``trend`` adds SSI/CSI by month (12 months up to ``day``)."""
    from dealership.models import Dealership
    from dealership.tenancy import get_scope

    scope = get_scope()
    days = board_days(day)
    months = [add_months(day, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    links = _links(user)
    wanted = sorted(
        (f for f in all_figures() if codes is None or f.code in codes),
        key=lambda f: (SECTION_ORDER.get(f.group, len(SECTION_ORDER)), f.order, f.code),
    )
    result = Board(day=day, yesterday=days["day"], is_group=scope.is_hq)
    result.trend_labels = [f"{m:%Y-%m}" for m in months]

    if not scope.is_hq:
        with figure_run():
            values = figure_values(user, day, days=days, codes=codes)
            surveys = survey_months(user, day) if trend else None
        by_group: dict[str, list[Cell]] = {}
        for figure, value in values:
            by_group.setdefault(figure.group, []).append(
                Cell(figure, value, links.get(figure.code))
            )
        result.sections = [
            Section(key, str(title), by_group[key]) for key, title in SECTIONS if key in by_group
        ]
        if trend:
            result.trend = _trend(months, [surveys])
        return result

    dealerships = list(
        Dealership.objects.filter(pk__in=scope.dealership_ids, is_active=True).order_by("code")
    )
    per = figures_by_dealership(
        user,
        day,
        dealerships,
        days=days,
        codes=codes,
        also=(lambda: survey_months(user, day)) if trend else None,
    )
    result.columns = wanted
    surveys = []
    for dealership in dealerships:
        if dealership.pk not in per:
            continue
        values, extra = per[dealership.pk]
        surveys.append(extra)
        values = dict(values)
        result.rows.append(
            Row(str(dealership), dealership.pk, [Cell(f, values.get(f)) for f in wanted])
        )
    total = [
        Cell(
            figure,
            combine([row.cells[column].value for row in result.rows], figure.combine),
            links.get(figure.code),
        )
        for column, figure in enumerate(wanted)
    ]
    result.rows.append(Row(str(_("Group total")), None, total))
    result.sections = [
        Section(key, str(title), [c for c in total if c.figure.group == key])
        for key, title in SECTIONS
        if any(c.figure.group == key for c in total)
    ]
    if trend:
        result.trend = _trend(months, surveys)
    return result
