"""The data of the CRM department's calendar reports (declared in :mod:`crm.reports.followups`).

Each function takes the report's ``actor`` (``SYSTEM`` for the scheduled runs) and its
:class:`~dealership.reports.periods.Period`, reads through ``Model.objects.for_user(actor,
"view")`` inside the current tenant scope, and returns a
:class:`~dealership.reports.ReportContent`. Days are the dealership's own (its time zone): a
call at 23:30 local time on the last day of a period belongs to that period. Every report runs
a fixed number of queries, however many records the period holds (grouped aggregates, one
list query, subqueries for a row's latest attempt or check — never a query per row).

Definitions shared by the reports (the same as the e-CRB board's, :mod:`crm.selectors.board`):

* a follow-up is *due* on a day when the day is in its window (N+3..N+5 by default), the
  customer is called (consent) and it had not left the list before that day;
* *reached* (done): the customer answered the call (surveyed or refused the survey);
* the *contact rate* of a period: of the called follow-ups whose window ended in the period,
  the share reached by the end of their window;
* the *mean score*: the mean of the call surveys' scores (0–10) taken in the period.

Sales and after-sales data (orders, deliveries, 5K/10K check-ins) are read by code from the
key-figures registry (:mod:`dealership.figures`): crm never imports those apps."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm.models import (
    AttemptOutcome,
    CallAttempt,
    Complaint,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintState,
    ContactCheck,
    ContactCheckState,
    EventKind,
    FollowUp,
    FollowUpStatus,
    Membership,
    ReminderKind,
    ReminderState,
    RetentionList,
    ServiceReminder,
    SmsDelivery,
    SmsDeliveryState,
    SurveyAnswer,
    SurveyChannel,
    SurveyResponse,
)
from crm.models.complaints import OPEN_COMPLAINT_STATES, ROUTES
from dealership.access import can
from dealership.audit import mask
from dealership.figures import (
    add_months,
    all_figures,
    day_bounds,
    figure_run,
    figure_values,
)
from dealership.reports import (
    DATE,
    DECIMAL,
    INT,
    PERCENT,
    Column,
    ReportContent,
    Table,
)

S = FollowUpStatus
CALLED = ~Q(status=S.NOT_CALLED)
KIND_LABELS = {
    EventKind.SALES: _("Sales follow-up"),
    EventKind.SERVICE: _("Service follow-up"),
}
# the key-figure groups shown on the daily summary as figures (follow-ups and complaints have
# tables of their own)
BOARD_GROUPS = ("day", "month")
RETENTION_BANDS = (8, 3)  # deliveries of the months M-8 .. M-3 (as the board's retention)
RESULT_MAX = 200


# --- small helpers -----------------------------------------------------------------------------


def rate(part, whole) -> Decimal | None:
    """``part / whole`` as a fraction (0..1) to four places, ``None`` without a base."""
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def mean(total, count, places: str = "0.01") -> Decimal | None:
    if not count:
        return None
    return (Decimal(total or 0) / Decimal(count)).quantize(Decimal(places), ROUND_HALF_UP)


def days_between(start: dt.datetime | None, end: dt.datetime | None) -> Decimal | None:
    if start is None or end is None:
        return None
    seconds = Decimal((end - start).total_seconds())
    return (seconds / Decimal(86400)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def duration_days(value: dt.timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def person(name: str | None, username: str | None, empty=None) -> str:
    """A user's name as the reports show it (their full name, else their login)."""
    return name or username or str(empty if empty is not None else gettext("Nobody"))


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def department_name(code, name_zh, name_en) -> str:
    if not code:
        return gettext("No department")
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return name_zh or code


def bounds(period, dealership) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of ``period`` in the dealership's time zone."""
    return day_bounds(period.start, dealership)[0], day_bounds(period.end, dealership)[1]


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


# --- follow-ups: the counts every report shares -------------------------------------------------


def followup_counts(actor, start: dt.date, end: dt.date, *by: str) -> list[dict]:
    """The called follow-ups of the days ``start`` .. ``end`` grouped by the fields ``by``, in
    one query: ``scheduled`` (window opens in the period), ``done`` (reached in the period),
    ``base`` (window ended in the period), ``part`` (of those, reached within the window),
    ``unreachable`` (classed unreachable in the period)."""
    window_ended = Q(window_end__gte=start, window_end__lte=end)
    closed_in = Q(closed_on__gte=start, closed_on__lte=end)
    return list(
        FollowUp.objects.for_user(actor, "view")
        .filter(CALLED)
        .filter(Q(window_start__gte=start, window_start__lte=end) | window_ended | closed_in)
        .values(*by)
        .annotate(
            scheduled=Count("pk", filter=Q(window_start__gte=start, window_start__lte=end)),
            done=Count("pk", filter=Q(status=S.DONE) & closed_in),
            base=Count("pk", filter=window_ended),
            part=Count(
                "pk", filter=window_ended & Q(status=S.DONE, closed_on__lte=F("window_end"))
            ),
            unreachable=Count("pk", filter=Q(status=S.UNREACHABLE) & closed_in),
        )
        .order_by()
    )


def attempt_counts(actor, start: dt.datetime, end: dt.datetime, *by: str) -> list[dict]:
    """Call attempts made in ``[start, end)`` grouped by ``by``: ``calls``, ``connected``."""
    return list(
        CallAttempt.objects.for_user(actor, "view")
        .filter(at__gte=start, at__lt=end)
        .values(*by)
        .annotate(
            calls=Count("pk"),
            connected=Count("pk", filter=Q(outcome=AttemptOutcome.CONNECTED)),
        )
        .order_by()
    )


def survey_counts(actor, start: dt.datetime, end: dt.datetime, *by: str) -> list[dict]:
    """Surveys taken in ``[start, end)`` grouped by ``by``: ``surveys`` / ``score_total``
    (call surveys with a score) and ``face_to_face``."""
    on_call = Q(channel=SurveyChannel.CALL, score__isnull=False)
    return list(
        SurveyResponse.objects.for_user(actor, "view")
        .filter(taken_at__gte=start, taken_at__lt=end)
        .values(*by)
        .annotate(
            surveys=Count("pk", filter=on_call),
            score_total=Sum("score", filter=on_call),
            face_to_face=Count("pk", filter=Q(channel=SurveyChannel.FACE_TO_FACE)),
        )
        .order_by()
    )


def _index(rows: list[dict], *keys: str) -> dict[tuple, dict]:
    return {tuple(row[k] for k in keys): row for row in rows}


def _sum(rows, field: str) -> int:
    return sum(row.get(field) or 0 for row in rows)


# --- 1. the daily summary -----------------------------------------------------------------------


def _figure_kind(figure, value) -> tuple[object, str]:
    """A key figure as a report figure: rates (``%``) become fractions, means decimals."""
    if value is None:
        return None, PERCENT if figure.unit == "%" else INT
    if figure.unit == "%":
        return (Decimal(value) / 100).quantize(Decimal("0.0001"), ROUND_HALF_UP), PERCENT
    if isinstance(value, Decimal):  # a Ratio (a mean) too
        return Decimal(value), DECIMAL
    return value, INT


def board_figures(actor, day: dt.date) -> list[tuple[str, object, str]]:
    """The e-CRB board's figures of ``day`` (what happened that day; the month up to it), as
    registered by sales, after-sales and crm, in the board's order."""
    wanted = [f.code for f in all_figures() if f.group in BOARD_GROUPS]
    values = figure_values(actor, day, codes=wanted)
    values.sort(key=lambda fv: (BOARD_GROUPS.index(fv[0].group), fv[0].order, fv[0].code))
    result = []
    for figure, value in values:
        shown, kind = _figure_kind(figure, value)
        label = str(figure.label)
        if figure.group == "month":
            label = gettext("%(figure)s (month to date)") % {"figure": label}
        result.append((label, shown, kind))
    return result


def daily_followups(actor, day: dt.date, start: dt.datetime, end: dt.datetime) -> Table:
    """The follow-ups of ``day`` by kind: due, calls made, connected, reached, reached within
    the window, classed unreachable, overdue at the end of the day (two queries)."""
    due = (
        CALLED
        & Q(window_start__lte=day, window_end__gte=day)
        & (Q(closed_on__isnull=True) | Q(closed_on__gte=day))
    )
    counts = _index(
        list(
            FollowUp.objects.for_user(actor, "view")
            .filter(CALLED, window_start__lte=day)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day))
            .values("kind")
            .annotate(
                due=Count("pk", filter=due),
                done=Count("pk", filter=Q(status=S.DONE, closed_on=day)),
                within=Count("pk", filter=Q(status=S.DONE, closed_on=day, window_end__gte=day)),
                unreachable=Count("pk", filter=Q(status=S.UNREACHABLE, closed_on=day)),
                overdue=Count(
                    "pk",
                    filter=Q(window_end__lt=day)
                    & (Q(closed_on__isnull=True) | Q(closed_on__gt=day)),
                ),
            )
            .order_by()
        ),
        "kind",
    )
    calls = _index(attempt_counts(actor, start, end, "followup__kind"), "followup__kind")
    rows = []
    for kind in EventKind.values:
        c, a = counts.get((kind,), {}), calls.get((kind,), {})
        rows.append(
            [
                kind_label(kind),
                c.get("due", 0),
                a.get("calls", 0),
                a.get("connected", 0),
                c.get("done", 0),
                c.get("within", 0),
                c.get("unreachable", 0),
                c.get("overdue", 0),
            ]
        )
    return Table(
        gettext("Follow-up calls"),
        [
            Column(gettext("Follow-ups")),
            Column(pgettext("follow-up", "Due"), INT),
            Column(gettext("Calls made"), INT),
            Column(gettext("Connected"), INT),
            Column(gettext("Reached"), INT),
            Column(gettext("Reached within the window"), INT),
            Column(gettext("Classed unreachable"), INT),
            Column(gettext("Overdue at the end of the day"), INT),
        ],
        rows,
        totals=True,
        note=gettext(
            "Due: on the day's call list within the window. Reached: the customer answered "
            "(surveyed or refused the survey). Overdue: past the window and still open."
        ),
    )


def daily_complaints(actor, start: dt.datetime, end: dt.datetime) -> Table:
    """Complaints by responsible department: received that day, closed that day, open at the
    end of the day and, of those, past their deadline (one query)."""
    received = Q(received_at__gte=start, received_at__lt=end)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    still_open = Q(state__in=OPEN_COMPLAINT_STATES, received_at__lt=end)
    rows = (
        Complaint.objects.for_user(actor, "view")
        .filter(received | closed | still_open)
        .values("department__code", "department__name_zh", "department__name_en")
        .annotate(
            new=Count("pk", filter=received),
            closed=Count("pk", filter=closed),
            open=Count("pk", filter=still_open),
            overdue=Count("pk", filter=still_open & Q(deadline__lt=end)),
            order=Min("department__order"),
        )
        .order_by("order", "department__code")
    )
    return Table(
        gettext("Complaints"),
        [
            Column(gettext("Responsible department")),
            Column(pgettext("complaints", "New"), INT),
            Column(pgettext("complaint", "Closed"), INT),
            Column(pgettext("complaints", "Open"), INT),
            Column(gettext("Open past the deadline"), INT),
        ],
        [
            [
                department_name(
                    r["department__code"], r["department__name_zh"], r["department__name_en"]
                ),
                r["new"],
                r["closed"],
                r["open"],
                r["overdue"],
            ]
            for r in rows
        ],
        totals=True,
    )


def daily_summary(actor, period) -> ReportContent:
    """每日简报: the day's orders, deliveries, 5K/10K check-ins and the e-CRB board's other
    figures, the day's follow-up calls by kind and the complaints by department."""
    day = period.start
    with figure_run() as dealership:
        start, end = day_bounds(day, dealership)
        return ReportContent(
            figures=board_figures(actor, day),
            tables=[
                daily_followups(actor, day, start, end),
                daily_complaints(actor, start, end),
            ],
        )


# --- 2. the weekly follow-up report -------------------------------------------------------------


def followup_weekly(actor, period) -> ReportContent:
    """The week's follow-up calls by kind and specialist (the one the follow-up is assigned
    to): scheduled, calls made, reached, window ended / reached within it / contact rate, mean
    score of the call surveys and complaints raised on the calls (four queries)."""
    with figure_run() as dealership:
        start, end = bounds(period, dealership)
        person_keys = ("specialist_id", "specialist__name", "specialist__username")
        followups = followup_counts(actor, period.start, period.end, "kind", *person_keys)
        prefix = ("followup__kind", "followup__specialist_id")
        names = ("followup__specialist__name", "followup__specialist__username")
        calls = attempt_counts(actor, start, end, *prefix, *names)
        surveys = survey_counts(actor, start, end, *prefix, *names)
        complaints = list(
            Complaint.objects.for_user(actor, "view")
            .filter(followup__isnull=False, received_at__gte=start, received_at__lt=end)
            .values(*prefix, *names)
            .annotate(n=Count("pk"))
            .order_by()
        )
    people: dict[tuple, str] = {}
    for row in followups:
        people[(row["kind"], row["specialist_id"])] = person(
            row["specialist__name"],
            row["specialist__username"],
            pgettext_lazy("follow-up", "Not assigned"),
        )
    for rows in (calls, surveys, complaints):
        for row in rows:
            people.setdefault(
                (row["followup__kind"], row["followup__specialist_id"]),
                person(row[names[0]], row[names[1]], pgettext_lazy("follow-up", "Not assigned")),
            )
    by_f = _index(followups, "kind", "specialist_id")
    by_c, by_s, by_x = (_index(rows, *prefix) for rows in (calls, surveys, complaints))
    order = {kind: n for n, kind in enumerate(EventKind.values)}
    table_rows = []
    for key in sorted(people, key=lambda k: (order.get(k[0], 9), people[k])):
        f, c, s, x = (rows.get(key, {}) for rows in (by_f, by_c, by_s, by_x))
        table_rows.append(
            [
                kind_label(key[0]),
                people[key],
                f.get("scheduled", 0),
                c.get("calls", 0),
                f.get("done", 0),
                f.get("base", 0),
                f.get("part", 0),
                rate(f.get("part", 0), f.get("base", 0)),
                mean(s.get("score_total"), s.get("surveys")),
                x.get("n", 0),
            ]
        )
    figures = [
        (gettext("Follow-ups scheduled"), _sum(followups, "scheduled"), INT),
        (gettext("Calls made"), _sum(calls, "calls"), INT),
        (gettext("Customers reached"), _sum(followups, "done"), INT),
        (
            gettext("Contact rate within the window"),
            rate(_sum(followups, "part"), _sum(followups, "base")),
            PERCENT,
        ),
    ]
    for kind, label in (
        (EventKind.SALES, _("SSI (mean score)")),
        (EventKind.SERVICE, _("CSI (mean score)")),
    ):
        of_kind = [r for r in surveys if r["followup__kind"] == kind]
        figures.append(
            (str(label), mean(_sum(of_kind, "score_total"), _sum(of_kind, "surveys")), DECIMAL)
        )
    figures += [
        (gettext("Face-to-face surveys"), _sum(surveys, "face_to_face"), INT),
        (gettext("Classed unreachable"), _sum(followups, "unreachable"), INT),
        (gettext("Complaints raised on the calls"), _sum(complaints, "n"), INT),
    ]
    return ReportContent(
        figures=figures,
        tables=[
            Table(
                gettext("Calls by specialist"),
                [
                    Column(gettext("Follow-ups")),
                    Column(gettext("Specialist")),
                    Column(gettext("Scheduled"), INT),
                    Column(gettext("Calls made"), INT),
                    Column(gettext("Reached"), INT),
                    Column(gettext("Window ended"), INT),
                    Column(gettext("Reached within the window"), INT),
                    Column(gettext("Contact rate"), PERCENT),
                    Column(gettext("Mean score"), DECIMAL, sum=False),
                    Column(gettext("Complaints raised"), INT),
                ],
                table_rows,
                keys=2,
                totals=True,
                note=gettext(
                    "Scheduled: the call window opens this week. Contact rate: of the "
                    "follow-ups whose window ended this week, those reached within it. Mean "
                    "score: the call surveys taken this week (0–10)."
                ),
            )
        ],
    )


# --- 3. the weekly unreachable-customer list ----------------------------------------------------


def _consultant(row: dict) -> str:
    """Who verifies the customer's contacts: the check's consultant once it is sent; before,
    as the Monday job will choose (:func:`crm.services.contact_checks.consultant_for`)."""
    if row["check_state"]:
        return person(row["check_name"], row["check_username"], _("Nobody (sales managers)"))
    staff = (row["event__staff__name"], row["event__staff__username"])
    owner = (row["customer__owner__name"], row["customer__owner__username"])
    first, second = (staff, owner) if row["kind"] == EventKind.SALES else (owner, staff)
    chosen = first if any(first) else second
    return person(*chosen, empty=_("Nobody (sales managers)"))


def unreachable_weekly(actor, period) -> ReportContent:
    """The customers classed unreachable during the week, and those of earlier weeks still
    waiting for verified contacts: phone masked, consultant, attempts, last attempt, and the
    state of the contact check (two queries)."""
    with figure_run() as dealership:
        start, end = bounds(period, dealership)
        attempts = CallAttempt.objects.filter(followup=OuterRef("pk")).order_by("-at", "-pk")
        checks = ContactCheck.objects.filter(followup=OuterRef("pk")).order_by("-created_at", "-pk")
        open_check = ContactCheck.objects.filter(
            followup=OuterRef("pk"), state=ContactCheckState.OPEN
        )
        rows = list(
            FollowUp.objects.for_user(actor, "view")
            .filter(status=S.UNREACHABLE, closed_on__lte=period.end)
            .filter(Q(closed_on__gte=period.start) | Exists(open_check))
            .annotate(
                attempts_made=Subquery(
                    CallAttempt.objects.filter(followup=OuterRef("pk"))
                    .order_by()
                    .values("followup")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                last_at=Subquery(attempts.values("at")[:1]),
                last_outcome=Subquery(attempts.values("outcome")[:1]),
                check_state=Subquery(checks.values("state")[:1]),
                check_name=Subquery(checks.values("consultant__name")[:1]),
                check_username=Subquery(checks.values("consultant__username")[:1]),
            )
            .values(
                "pk",
                "kind",
                "closed_on",
                "customer__name",
                "customer__mobile",
                "vehicle__plate",
                "vehicle__model",
                "event__staff__name",
                "event__staff__username",
                "customer__owner__name",
                "customer__owner__username",
                "attempts_made",
                "last_at",
                "last_outcome",
                "check_state",
                "check_name",
                "check_username",
            )
            .order_by("closed_on", "pk")
        )
        checks_now = ContactCheck.objects.for_user(actor, "view").aggregate(
            # the checks of the week are sent the Monday after it
            waiting=Count(
                "pk",
                filter=Q(
                    state=ContactCheckState.OPEN,
                    week__lte=period.end + dt.timedelta(days=1),
                ),
            ),
            returned=Count(
                "pk",
                filter=Q(
                    state=ContactCheckState.RETURNED, returned_at__gte=start, returned_at__lt=end
                ),
            ),
            closed=Count(
                "pk",
                filter=Q(
                    state=ContactCheckState.CLOSED, returned_at__gte=start, returned_at__lt=end
                ),
            ),
        )
        zone = dealership.zoneinfo if dealership is not None else timezone.get_current_timezone()
    table_rows = []
    for row in rows:
        vehicle = " ".join(p for p in (row["vehicle__plate"], row["vehicle__model"]) if p)
        table_rows.append(
            [
                row["customer__name"],
                mask(row["customer__mobile"]) or "",
                kind_label(row["kind"]),
                vehicle,
                _consultant(row),
                row["closed_on"],
                row["attempts_made"] or 0,
                row["last_at"].astimezone(zone).date() if row["last_at"] else None,
                _label(AttemptOutcome, row["last_outcome"]),
                _label(ContactCheckState, row["check_state"])
                if row["check_state"]
                else gettext("Not sent yet"),
            ]
        )
    this_week = sum(1 for row in rows if row["closed_on"] >= period.start)
    return ReportContent(
        figures=[
            (gettext("Classed unreachable this week"), this_week, INT),
            (gettext("Waiting for verified contacts"), checks_now["waiting"], INT),
            (gettext("Verified contacts returned this week"), checks_now["returned"], INT),
            (gettext("Checks closed without new contacts this week"), checks_now["closed"], INT),
        ],
        tables=[
            Table(
                gettext("Unreachable customers"),
                [
                    Column(gettext("Customer")),
                    Column(gettext("Mobile")),
                    Column(gettext("Follow-up")),
                    Column(gettext("Vehicle")),
                    Column(gettext("Consultant")),
                    Column(gettext("Unreachable since"), DATE),
                    Column(gettext("Attempts"), INT, sum=False),
                    Column(gettext("Last attempt"), DATE),
                    Column(gettext("Last outcome")),
                    Column(gettext("Contact check")),
                ],
                table_rows,
                note=gettext(
                    "Each customer goes to the consultant who sold to them (a service "
                    "customer: their owner consultant, else the advisor), who returns verified "
                    "contacts. Mobile numbers are masked."
                ),
            )
        ],
    )


# --- 4. monthly: satisfaction follow-up reports -------------------------------------------------


def satisfaction_monthly(actor, period, kind: str) -> ReportContent:
    """The month's follow-up calls of ``kind``: the figures (contact rate, mean score, surveys,
    complaints), the mean answer per question, the consultant's (sales) or advisor's
    (service) numbers, and the calls by outcome (six queries)."""
    staff_keys = ("event__staff_id", "event__staff__name", "event__staff__username")
    survey_keys = tuple(f"followup__{key}" for key in staff_keys)
    with figure_run() as dealership:
        start, end = bounds(period, dealership)
        followups = [
            r
            for r in followup_counts(actor, period.start, period.end, "kind", *staff_keys)
            if r["kind"] == kind
        ]
        surveys = list(
            SurveyResponse.objects.for_user(actor, "view")
            .filter(taken_at__gte=start, taken_at__lt=end, followup__kind=kind)
            .values(*survey_keys)
            .annotate(
                surveys=Count("pk", filter=Q(channel=SurveyChannel.CALL, score__isnull=False)),
                score_total=Sum("score", filter=Q(channel=SurveyChannel.CALL, score__isnull=False)),
                face_to_face=Count("pk", filter=Q(channel=SurveyChannel.FACE_TO_FACE)),
            )
            .order_by()
        )
        answers = list(
            SurveyAnswer.objects.for_user(actor, "view")
            .filter(
                response__channel=SurveyChannel.CALL,
                response__taken_at__gte=start,
                response__taken_at__lt=end,
                response__followup__kind=kind,
            )
            .values("question_text", "question__kind")
            .annotate(
                position=Min("question__position"),
                scores=Count("score"),
                score_total=Sum("score"),
                yes_no=Count("yes"),
                yes=Count("pk", filter=Q(yes=True)),
                answered=Count("pk"),
            )
            .order_by("position", "question_text")
        )
        complaints = list(
            Complaint.objects.for_user(actor, "view")
            .filter(
                followup__kind=kind,
                channel="followup",
                received_at__gte=start,
                received_at__lt=end,
            )
            .values(*survey_keys)
            .annotate(n=Count("pk"))
            .order_by()
        )
        outcomes = list(
            CallAttempt.objects.for_user(actor, "view")
            .filter(followup__kind=kind, at__gte=start, at__lt=end)
            .values("outcome")
            .annotate(n=Count("pk"))
            .order_by()
        )
    names: dict = {}
    for rows, keys in ((followups, staff_keys), (surveys, survey_keys), (complaints, survey_keys)):
        for r in rows:
            names.setdefault(r[keys[0]], person(r[keys[1]], r[keys[2]]))
    by_f = {r["event__staff_id"]: r for r in followups}
    by_s = {r["followup__event__staff_id"]: r for r in surveys}
    by_x = {r["followup__event__staff_id"]: r["n"] for r in complaints}
    staff_ids = set(by_f) | {k for k in by_s if by_s[k]["surveys"]} | set(by_x)
    staff_rows = []
    for staff_id in sorted(staff_ids, key=lambda pk: (pk is None, names.get(pk, ""))):
        f, s = by_f.get(staff_id, {}), by_s.get(staff_id, {})
        staff_rows.append(
            [
                names.get(staff_id, gettext("Nobody")),
                f.get("base", 0),
                f.get("part", 0),
                rate(f.get("part", 0), f.get("base", 0)),
                f.get("unreachable", 0),
                s.get("surveys", 0),
                mean(s.get("score_total"), s.get("surveys")),
                by_x.get(staff_id, 0),
            ]
        )
    question_rows = [
        [
            r["question_text"],
            r["answered"],
            mean(r["score_total"], r["scores"]),
            rate(r["yes"], r["yes_no"]),
        ]
        for r in answers
    ]
    outcome_rows = sorted(
        ([_label(AttemptOutcome, r["outcome"]), r["n"]] for r in outcomes),
        key=lambda row: -row[1],
    )
    base, part = _sum(followups, "base"), _sum(followups, "part")
    surveyed, total = _sum(surveys, "surveys"), _sum(surveys, "score_total")
    figures = [
        (gettext("Follow-ups whose window ended"), base, INT),
        (gettext("Reached within the window"), part, INT),
        (gettext("Contact rate within the window"), rate(part, base), PERCENT),
        (gettext("Calls made"), _sum(outcomes, "n"), INT),
        (gettext("Call surveys"), surveyed, INT),
        (gettext("Mean score (0–10)"), mean(total, surveyed), DECIMAL),
    ]
    if kind == EventKind.SALES:
        figures.append((gettext("Face-to-face surveys"), _sum(surveys, "face_to_face"), INT))
    figures.append((gettext("Complaints raised on the calls"), _sum(complaints, "n"), INT))
    staff_label = gettext("Consultant") if kind == EventKind.SALES else gettext("Service advisor")
    return ReportContent(
        figures=figures,
        tables=[
            Table(
                gettext("Answers by question"),
                [
                    Column(gettext("Question")),
                    Column(gettext("Answers"), INT),
                    Column(gettext("Mean score"), DECIMAL, sum=False),
                    Column(pgettext("answer", "Yes"), PERCENT),
                ],
                question_rows,
                note=gettext("The call surveys taken this month; questions as they were asked."),
            ),
            Table(
                gettext("By consultant")
                if kind == EventKind.SALES
                else gettext("By service advisor"),
                [
                    Column(staff_label),
                    Column(gettext("Window ended"), INT),
                    Column(gettext("Reached within the window"), INT),
                    Column(gettext("Contact rate"), PERCENT),
                    Column(gettext("Unreachable"), INT),
                    Column(gettext("Call surveys"), INT),
                    Column(gettext("Mean score"), DECIMAL, sum=False),
                    Column(gettext("Complaints raised"), INT),
                ],
                staff_rows,
                totals=True,
            ),
            Table(
                gettext("Calls by outcome"),
                [Column(gettext("Outcome")), Column(gettext("Calls"), INT)],
                outcome_rows,
                totals=True,
            ),
        ],
    )


def sales_satisfaction(actor, period) -> ReportContent:
    return satisfaction_monthly(actor, period, EventKind.SALES)


def service_satisfaction(actor, period) -> ReportContent:
    return satisfaction_monthly(actor, period, EventKind.SERVICE)


# --- 4. monthly: complaint results ----------------------------------------------------------------


def department_q(code: str) -> Q:
    """Complaints of the department ``code``: routed to it, or (no department in the org chart)
    of a category that routes to it."""
    categories = [category for category, target in ROUTES.items() if target == code]
    return Q(department__code=code) | Q(department__isnull=True, category__in=categories)


def _complaint_group(rows: list[dict], now: dt.datetime) -> dict:
    closed = [r for r in rows if r["closed_at"] is not None]
    days = [days_between(r["received_at"], r["closed_at"]) for r in closed]
    return {
        "received": len(rows),
        "major": sum(1 for r in rows if r["severity"] == ComplaintSeverity.MAJOR),
        "closed": len(closed),
        "open": sum(1 for r in rows if r["state"] in OPEN_COMPLAINT_STATES),
        "late": sum(1 for r in rows if (r["resolved_at"] or now) > r["deadline"]),
        "days": mean(sum(days, Decimal(0)), len(days), "0.1"),
    }


def complaints_monthly(actor, period, code: str) -> ReportContent:
    """The complaints of the department ``code`` (``sales`` or ``aftersales``) received in the
    month: by category, severity and state, the mean days to close, and the list with each
    one's result (two queries)."""
    now = timezone.now()
    with figure_run() as dealership:
        start, end = bounds(period, dealership)
        zone = dealership.zoneinfo if dealership is not None else timezone.get_current_timezone()
        visible = Complaint.objects.for_user(actor, "view").filter(department_q(code))
        rows = list(
            visible.filter(received_at__gte=start, received_at__lt=end)
            .values(
                "number",
                "received_at",
                "customer__name",
                "category",
                "severity",
                "state",
                "owner__name",
                "owner__username",
                "deadline",
                "resolved_at",
                "closed_at",
                "resolution",
                "reopened",
            )
            .order_by("received_at", "number")
        )
        closed_in_month = visible.filter(closed_at__gte=start, closed_at__lt=end).aggregate(
            n=Count("pk"),
            days=Sum(
                ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())
            ),
        )
    whole = _complaint_group(rows, now)
    by_category, by_severity, by_state = {}, {}, {}
    for row in rows:
        by_category.setdefault(row["category"], []).append(row)
        by_severity.setdefault(row["severity"], []).append(row)
        by_state.setdefault(row["state"], []).append(row)
    group_columns = [
        Column(pgettext("complaints", "Received"), INT),
        Column(pgettext("complaint", "Major"), INT),
        Column(pgettext("complaint", "Closed"), INT),
        Column(gettext("Still open"), INT),
        Column(gettext("Past the deadline"), INT),
        Column(gettext("Mean days to close"), DECIMAL, sum=False),
    ]

    def grouped(groups: dict, choices) -> list[list]:
        result = []
        for value in choices.values:
            if value in groups:
                g = _complaint_group(groups[value], now)
                result.append(
                    [
                        _label(choices, value),
                        g["received"],
                        g["major"],
                        g["closed"],
                        g["open"],
                        g["late"],
                        g["days"],
                    ]
                )
        return result

    listing = []
    for row in rows:
        result = (row["resolution"] or "").strip().replace("\n", " ")
        if len(result) > RESULT_MAX:
            result = result[: RESULT_MAX - 1] + "…"
        listing.append(
            [
                row["number"],
                row["received_at"].astimezone(zone).date(),
                row["customer__name"],
                _label(ComplaintCategory, row["category"]),
                _label(ComplaintSeverity, row["severity"]),
                person(row["owner__name"], row["owner__username"]),
                _label(ComplaintState, row["state"]),
                row["closed_at"].astimezone(zone).date() if row["closed_at"] else None,
                days_between(row["received_at"], row["closed_at"]),
                result,
            ]
        )
    closed_days = closed_in_month["days"]
    return ReportContent(
        figures=[
            (gettext("Complaints received"), whole["received"], INT),
            (gettext("Major complaints"), whole["major"], INT),
            (gettext("Closed (of those received)"), whole["closed"], INT),
            (gettext("Still open"), whole["open"], INT),
            (gettext("Past the deadline"), whole["late"], INT),
            (gettext("Mean days to close"), whole["days"], DECIMAL),
            (
                gettext("Complaints closed this month (whenever received)"),
                closed_in_month["n"],
                INT,
            ),
            (
                gettext("Mean days to close (closed this month)"),
                duration_days(closed_days / closed_in_month["n"])
                if closed_days is not None and closed_in_month["n"]
                else None,
                DECIMAL,
            ),
        ],
        tables=[
            Table(
                gettext("By category"),
                [Column(gettext("Category")), *group_columns],
                grouped(by_category, ComplaintCategory),
                totals=True,
            ),
            Table(
                gettext("By severity"),
                [Column(gettext("Severity")), *group_columns],
                grouped(by_severity, ComplaintSeverity),
                totals=True,
            ),
            Table(
                gettext("By state"),
                [Column(gettext("State")), Column(gettext("Complaints"), INT)],
                [
                    [_label(ComplaintState, state), len(by_state[state])]
                    for state in ComplaintState.values
                    if state in by_state
                ],
                totals=True,
            ),
            Table(
                gettext("The month's complaints"),
                [
                    Column(gettext("Number")),
                    Column(pgettext("complaints", "Received"), DATE),
                    Column(gettext("Customer")),
                    Column(gettext("Category")),
                    Column(gettext("Severity")),
                    Column(gettext("Handled by")),
                    Column(gettext("State")),
                    Column(pgettext("complaint", "Closed"), DATE),
                    Column(gettext("Days to close"), DECIMAL, sum=False),
                    Column(gettext("Result")),
                ],
                listing,
                note=gettext(
                    "Past the deadline: resolved after it, or still unresolved when the report "
                    "was made."
                ),
            ),
        ],
    )


def sales_complaints(actor, period) -> ReportContent:
    return complaints_monthly(actor, period, "sales")


def aftersales_complaints(actor, period) -> ReportContent:
    return complaints_monthly(actor, period, "aftersales")


# --- 4. monthly: the customer department's work summary -------------------------------------------


def _work_calls(actor, period, start, end) -> tuple[Table, list, list, list]:
    followups = followup_counts(actor, period.start, period.end, "kind")
    calls = attempt_counts(actor, start, end, "followup__kind")
    surveys = survey_counts(actor, start, end, "followup__kind")
    by_f, by_c, by_s = (
        _index(followups, "kind"),
        _index(calls, "followup__kind"),
        _index(surveys, "followup__kind"),
    )
    rows = []
    for kind in EventKind.values:
        f, c, s = (rows_.get((kind,), {}) for rows_ in (by_f, by_c, by_s))
        rows.append(
            [
                kind_label(kind),
                c.get("calls", 0),
                c.get("connected", 0),
                f.get("base", 0),
                f.get("part", 0),
                rate(f.get("part", 0), f.get("base", 0)),
                s.get("surveys", 0),
                mean(s.get("score_total"), s.get("surveys")),
                f.get("unreachable", 0),
            ]
        )
    table = Table(
        gettext("Follow-up calls"),
        [
            Column(gettext("Follow-ups")),
            Column(gettext("Calls made"), INT),
            Column(gettext("Connected"), INT),
            Column(gettext("Window ended"), INT),
            Column(gettext("Reached within the window"), INT),
            Column(gettext("Contact rate"), PERCENT),
            Column(gettext("Call surveys"), INT),
            Column(gettext("Mean score"), DECIMAL, sum=False),
            Column(gettext("Classed unreachable"), INT),
        ],
        rows,
        totals=True,
    )
    return table, followups, calls, surveys


def _work_complaints(actor, start, end) -> tuple[Table, dict]:
    received = Q(received_at__gte=start, received_at__lt=end)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    rows = list(
        Complaint.objects.for_user(actor, "view")
        .filter(received | closed | Q(state__in=OPEN_COMPLAINT_STATES, received_at__lt=end))
        .values("department__code", "department__name_zh", "department__name_en")
        .annotate(
            received=Count("pk", filter=received),
            closed=Count("pk", filter=closed),
            open=Count("pk", filter=Q(state__in=OPEN_COMPLAINT_STATES, received_at__lt=end)),
            days=Sum(
                ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField()),
                filter=closed,
            ),
            order=Min("department__order"),
        )
        .order_by("order", "department__code")
    )
    table = Table(
        gettext("Complaints handled"),
        [
            Column(gettext("Responsible department")),
            Column(pgettext("complaints", "Received"), INT),
            Column(pgettext("complaint", "Closed"), INT),
            Column(pgettext("complaints", "Open"), INT),
            Column(gettext("Mean days to close"), DECIMAL, sum=False),
        ],
        [
            [
                department_name(
                    r["department__code"], r["department__name_zh"], r["department__name_en"]
                ),
                r["received"],
                r["closed"],
                r["open"],
                duration_days(r["days"] / r["closed"])
                if r["days"] is not None and r["closed"]
                else None,
            ]
            for r in rows
        ],
        totals=True,
        note=gettext("Open: not yet resolved when the report was made."),
    )
    totals = {key: _sum(rows, key) for key in ("received", "closed", "open")}
    return table, totals


def _work_reminders(actor, period) -> Table:
    listed = Q(listed_on__gte=period.start, listed_on__lte=period.end)
    rows = _index(
        list(
            ServiceReminder.objects.for_user(actor, "view")
            .filter(listed)
            .values("kind")
            .annotate(
                listed=Count("pk"),
                sms=Count("pk", filter=Q(state=ReminderState.SENT)),
                called=Count("pk", filter=Q(state=ReminderState.CALLED)),
                skipped=Count("pk", filter=Q(state=ReminderState.SKIPPED)),
                waiting=Count("pk", filter=Q(state=ReminderState.OPEN)),
            )
            .order_by()
        ),
        "kind",
    )
    return Table(
        gettext("Service reminders"),
        [
            Column(gettext("Reminder")),
            Column(gettext("Listed"), INT),
            Column(pgettext("reminder", "SMS sent"), INT),
            Column(pgettext("reminder", "Reminded by phone"), INT),
            Column(pgettext("reminder", "Not reminded"), INT),
            Column(gettext("Still to remind"), INT),
        ],
        [
            [
                _label(ReminderKind, kind),
                r.get("listed", 0),
                r.get("sms", 0),
                r.get("called", 0),
                r.get("skipped", 0),
                r.get("waiting", 0),
            ]
            for kind in ReminderKind.values
            for r in [rows.get((kind,), {})]
        ],
        totals=True,
        note=gettext("The reminders listed this month and what became of them."),
    )


def _work_retention(actor, period) -> tuple[Table | None, Decimal | None]:
    if not can(actor, RetentionList, "view"):
        return None, None
    from crm.selectors.outreach import retention_rates

    oldest, newest = RETENTION_BANDS
    last = add_months(period.end, -newest)
    first = add_months(period.end, -oldest)
    rows = [
        r for r in retention_rates(actor, oldest + 1, period.end) if first <= r["month"] <= last
    ]
    table = Table(
        gettext("Retention by delivery month"),
        [
            Column(gettext("Delivered in")),
            Column(gettext("Cars delivered"), INT),
            Column(gettext("Back within 3 months"), INT),
            Column(gettext("Back within 6 months"), INT),
            Column(gettext("Within 3 months"), PERCENT),
            Column(gettext("Within 6 months"), PERCENT),
        ],
        [
            [
                f"{r['month']:%Y-%m}",
                r["delivered"],
                r["back_3"],
                r["back_6"],
                rate(r["back_3"], r["delivered"]),
                rate(r["back_6"], r["delivered"]),
            ]
            for r in rows
        ],
        totals=True,
        note=gettext(
            "Cars delivered 3 to 8 months before the month's end that came back for a service; "
            "a month whose 6 months are not over yet can still rise."
        ),
    )
    return table, rate(_sum(rows, "back_6"), _sum(rows, "delivered"))


def work_summary(actor, period) -> ReportContent:
    """The customer department's month: follow-up calls by kind, contact checks, complaints
    handled by department, service reminders, retention by delivery month and the owner club
    (a fixed number of queries)."""
    with figure_run() as dealership:
        start, end = bounds(period, dealership)
        calls_table, followups, calls, surveys = _work_calls(actor, period, start, end)
        complaints_table, complaint_totals = _work_complaints(actor, start, end)
        checks = ContactCheck.objects.for_user(actor, "view").aggregate(
            sent=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
            returned=Count(
                "pk",
                filter=Q(
                    state=ContactCheckState.RETURNED, returned_at__gte=start, returned_at__lt=end
                ),
            ),
        )
        reminders_table = _work_reminders(actor, period)
        retention_table, retention = _work_retention(actor, period)
        club = None
        if can(actor, Membership, "view"):
            from crm.selectors.outreach import member_rates

            club = member_rates(actor, period.end)
            club["joined"] = (
                Membership.objects.for_user(actor, "view")
                .filter(joined_on__gte=period.start, joined_on__lte=period.end)
                .count()
            )
        sms = (
            SmsDelivery.objects.for_user(actor, "view")
            .filter(state=SmsDeliveryState.SENT, at__gte=start, at__lt=end)
            .count()
        )
    base, part = _sum(followups, "base"), _sum(followups, "part")
    figures = [
        (gettext("Calls made"), _sum(calls, "calls"), INT),
        (gettext("Contact rate within the window"), rate(part, base), PERCENT),
        (gettext("Call surveys"), _sum(surveys, "surveys"), INT),
        (gettext("Face-to-face surveys"), _sum(surveys, "face_to_face"), INT),
        (gettext("Unreachable customers sent to consultants"), checks["sent"], INT),
        (gettext("Verified contacts returned"), checks["returned"], INT),
        (gettext("Complaints received"), complaint_totals["received"], INT),
        (gettext("Complaints closed"), complaint_totals["closed"], INT),
        (gettext("Complaints open"), complaint_totals["open"], INT),
        (gettext("Retention (back within 6 months)"), retention, PERCENT),
    ]
    if club is not None:
        figures += [
            (gettext("Owner-club members"), club["members"], INT),
            (gettext("New members this month"), club["joined"], INT),
            (
                gettext("Owner-club registration"),
                rate(club["members"], club["owners"]),
                PERCENT,
            ),
            (
                gettext("Registration target"),
                Decimal(club["registration_target"]) / 100,
                PERCENT,
            ),
            (
                gettext("Logged in during the last 30 days"),
                rate(club["logged_in"], club["members"]),
                PERCENT,
            ),
        ]
    figures.append((gettext("SMS messages sent"), sms, INT))
    tables = [calls_table, complaints_table, reminders_table]
    if retention_table is not None:
        tables.append(retention_table)
    return ReportContent(figures=figures, tables=tables)


__all__ = [
    "aftersales_complaints",
    "board_figures",
    "daily_summary",
    "followup_weekly",
    "sales_complaints",
    "sales_satisfaction",
    "service_satisfaction",
    "unreachable_weekly",
    "work_summary",
]
