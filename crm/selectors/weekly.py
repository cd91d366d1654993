"""Data of the CRM department's two weekly reports (Monday 12:00, :mod:`crm.reports.weekly`),
read through the access chokepoint as the report's actor:

* :func:`customer_weekly` — the customer-department weekly report (客户部周报): the week's
  calls (made, connected), reach (customers reached, contact rate within the window, classed
  unreachable), the day-N+1 data checks, satisfaction (SSI / CSI of the call surveys, the
  would-recommend share) and complaints (received, closed, open at the week's end, by
  category);
* :func:`face_to_face_weekly` — the face-to-face questionnaires of the week (taken at the
  delivery ceremony, 003 §4.4.1F/§4.4.2B): count, mean score per kind and per consultant, the
  mean (or yes share) of each question, and the customers' comments."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext

from crm.models import (
    Complaint,
    ComplaintCategory,
    DataCheck,
    DataCheckState,
    EventKind,
    SurveyAnswer,
    SurveyChannel,
    SurveyResponse,
)
from crm.selectors.reports import (
    _label,
    _sum,
    attempt_counts,
    bounds,
    followup_counts,
    kind_label,
    mean,
    person,
    rate,
)
from crm.selectors.targets import PROMOTER, referral_q
from dealership.figures import figure_run
from dealership.reports import DATE, DECIMAL, INT, PERCENT, Column, ReportContent, Table

COMMENTS_MAX = 100


def customer_weekly(actor, period) -> ReportContent:
    """The week's calls, reach, data checks, satisfaction and complaints (seven queries)."""
    with figure_run() as dealership:
        start, end = bounds(period, dealership)
        followups = followup_counts(actor, period.start, period.end, "kind")
        calls = attempt_counts(actor, start, end, "followup__kind")
        surveys = list(
            SurveyResponse.objects.for_user(actor, "view")
            .filter(
                channel=SurveyChannel.CALL,
                score__isnull=False,
                taken_at__gte=start,
                taken_at__lt=end,
            )
            .values("followup__kind")
            .annotate(n=Count("pk"), total=Sum("score"))
            .order_by()
        )
        referrals = list(
            SurveyAnswer.objects.for_user(actor, "view")
            .filter(
                referral_q(),
                Q(score__isnull=False) | Q(yes__isnull=False),
                response__channel=SurveyChannel.CALL,
                response__taken_at__gte=start,
                response__taken_at__lt=end,
            )
            .values("response__followup__kind")
            .annotate(promoters=Count("pk", filter=PROMOTER), n=Count("pk"))
            .order_by()
        )
        checks = (
            DataCheck.objects.for_user(actor, "view")
            .filter(listed_on__gte=period.start, listed_on__lte=period.end)
            .aggregate(
                listed=Count("pk"),
                corrected=Count("pk", filter=Q(state=DataCheckState.CORRECTED)),
                unverified=Count("pk", filter=Q(state=DataCheckState.UNREACHABLE)),
                waiting=Count("pk", filter=Q(state=DataCheckState.OPEN)),
            )
        )
        complaints = list(
            Complaint.objects.for_user(actor, "view")
            .filter(
                Q(received_at__gte=start, received_at__lt=end)
                | Q(closed_at__gte=start, closed_at__lt=end)
                | Q(received_at__lt=end, closed_at__isnull=True)
                | Q(received_at__lt=end, closed_at__gte=end)
            )
            .values("category")
            .annotate(
                received=Count("pk", filter=Q(received_at__gte=start, received_at__lt=end)),
                closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
                open=Count(
                    "pk",
                    filter=Q(received_at__lt=end)
                    & (Q(closed_at__isnull=True) | Q(closed_at__gte=end)),
                ),
            )
            .order_by()
        )
    by_kind = {row["kind"]: row for row in followups}
    calls_by = {row["followup__kind"]: row for row in calls}
    surveys_by = {row["followup__kind"]: row for row in surveys}
    ref_by = {row["response__followup__kind"]: row for row in referrals}
    rows = []
    for kind in EventKind.values:
        f, c = by_kind.get(kind, {}), calls_by.get(kind, {})
        s, r = surveys_by.get(kind, {}), ref_by.get(kind, {})
        rows.append(
            [
                kind_label(kind),
                c.get("calls", 0),
                c.get("connected", 0),
                f.get("done", 0),
                f.get("base", 0),
                f.get("part", 0),
                rate(f.get("part", 0), f.get("base", 0)),
                f.get("unreachable", 0),
                s.get("n", 0),
                mean(s.get("total"), s.get("n")),
                rate(r.get("promoters", 0), r.get("n", 0)),
            ]
        )
    complaint_rows = sorted(
        (
            [
                _label(ComplaintCategory, row["category"]),
                row["received"],
                row["closed"],
                row["open"],
            ]
            for row in complaints
        ),
        key=lambda row: row[0],
    )
    figures = [
        (gettext("Calls made"), _sum(calls, "calls"), INT),
        (gettext("Customers reached"), _sum(followups, "done"), INT),
        (
            gettext("Contact rate within the window"),
            rate(_sum(followups, "part"), _sum(followups, "base")),
            PERCENT,
        ),
        (gettext("Classed unreachable"), _sum(followups, "unreachable"), INT),
        (gettext("Customer details checked (day N+1)"), checks["listed"], INT),
        (gettext("Customer details corrected"), checks["corrected"], INT),
    ]
    for kind, label in (
        (EventKind.SALES, gettext("SSI (mean score)")),
        (EventKind.SERVICE, gettext("CSI (mean score)")),
    ):
        s = surveys_by.get(kind, {})
        figures.append((label, mean(s.get("total"), s.get("n")), DECIMAL))
    figures += [
        (gettext("Complaints received"), _sum(complaints, "received"), INT),
        (gettext("Complaints closed"), _sum(complaints, "closed"), INT),
        (gettext("Complaints open at the week's end"), _sum(complaints, "open"), INT),
    ]
    return ReportContent(
        figures=figures,
        tables=[
            Table(
                gettext("Calls, reach and satisfaction"),
                [
                    Column(gettext("Follow-ups")),
                    Column(gettext("Calls made"), INT),
                    Column(gettext("Connected"), INT),
                    Column(gettext("Reached"), INT),
                    Column(gettext("Window ended"), INT),
                    Column(gettext("Reached within the window"), INT),
                    Column(gettext("Contact rate"), PERCENT),
                    Column(gettext("Classed unreachable"), INT),
                    Column(gettext("Surveys"), INT),
                    Column(gettext("Mean score"), DECIMAL, sum=False),
                    Column(gettext("Would recommend"), PERCENT),
                ],
                rows,
                totals=True,
                note=gettext(
                    "Contact rate: of the follow-ups whose window ended this week, those reached "
                    "within it. Mean score: the call surveys of the week (0–10). Would recommend: "
                    "answers of 9–10 (or yes) to the recommend question."
                ),
            ),
            Table(
                gettext("Day-N+1 data checks"),
                [
                    Column(gettext("Listed")),
                    Column(gettext("Count"), INT),
                ],
                [
                    [gettext("Listed this week"), checks["listed"]],
                    [gettext("Corrected"), checks["corrected"]],
                    [gettext("Could not verify"), checks["unverified"]],
                    [gettext("Still to check"), checks["waiting"]],
                ],
            ),
            Table(
                gettext("Complaints by category"),
                [
                    Column(gettext("Category")),
                    Column(gettext("Received"), INT),
                    Column(gettext("Closed"), INT),
                    Column(gettext("Open at the week's end"), INT),
                ],
                complaint_rows,
                totals=True,
            ),
        ],
    )


def face_to_face_weekly(actor, period) -> ReportContent:
    """The week's face-to-face questionnaires (three queries)."""
    with figure_run() as dealership:
        start, end = bounds(period, dealership)
        responses = SurveyResponse.objects.for_user(actor, "view").filter(
            channel=SurveyChannel.FACE_TO_FACE, taken_at__gte=start, taken_at__lt=end
        )
        by_staff = list(
            responses.values(
                "followup__kind",
                "followup__event__staff_id",
                "followup__event__staff__name",
                "followup__event__staff__username",
            )
            .annotate(n=Count("pk"), scored=Count("score"), total=Sum("score"))
            .order_by()
        )
        questions = list(
            SurveyAnswer.objects.for_user(actor, "view")
            .filter(
                response__channel=SurveyChannel.FACE_TO_FACE,
                response__taken_at__gte=start,
                response__taken_at__lt=end,
            )
            .values("response__followup__kind", "question_text")
            .annotate(
                answered=Count("pk", filter=Q(score__isnull=False) | Q(yes__isnull=False)),
                score=Avg("score"),
                yes_count=Count("pk", filter=Q(yes=True)),
                yes_base=Count("pk", filter=Q(yes__isnull=False)),
            )
            .order_by("response__followup__kind", "question_text")
        )
        comments = list(
            responses.exclude(comment="")
            .values("taken_at", "followup__kind", "comment", "followup__customer__name")
            .order_by("taken_at")[:COMMENTS_MAX]
        )
    staff_rows = sorted(
        (
            [
                kind_label(row["followup__kind"]),
                person(
                    row["followup__event__staff__name"],
                    row["followup__event__staff__username"],
                    gettext("Not recorded"),
                ),
                row["n"],
                mean(row["total"], row["scored"]),
            ]
            for row in by_staff
        ),
        key=lambda row: (row[0], row[1]),
    )
    question_rows = [
        [
            kind_label(row["response__followup__kind"]),
            row["question_text"],
            row["answered"],
            None if row["score"] is None else mean(row["score"], 1),
            rate(row["yes_count"], row["yes_base"]),
        ]
        for row in questions
    ]
    figures = [(gettext("Face-to-face questionnaires"), _sum(by_staff, "n"), INT)]
    for kind in EventKind.values:
        of_kind = [r for r in by_staff if r["followup__kind"] == kind]
        figures.append(
            (
                gettext("Mean score: %(kind)s") % {"kind": kind_label(kind)},
                mean(_sum(of_kind, "total"), _sum(of_kind, "scored")),
                DECIMAL,
            )
        )
    return ReportContent(
        figures=figures,
        tables=[
            Table(
                gettext("By consultant or advisor"),
                [
                    Column(gettext("Follow-ups")),
                    Column(gettext("Served by")),
                    Column(gettext("Questionnaires"), INT),
                    Column(gettext("Mean score"), DECIMAL, sum=False),
                ],
                staff_rows,
                keys=2,
                totals=True,
            ),
            Table(
                gettext("By question"),
                [
                    Column(gettext("Follow-ups")),
                    Column(gettext("Question")),
                    Column(gettext("Answered"), INT),
                    Column(gettext("Mean score"), DECIMAL, sum=False),
                    Column(gettext("Yes"), PERCENT),
                ],
                question_rows,
                keys=2,
            ),
            Table(
                gettext("Customers' comments"),
                [
                    Column(gettext("Taken"), DATE),
                    Column(gettext("Follow-ups")),
                    Column(gettext("Customer")),
                    Column(gettext("Comment")),
                ],
                [
                    [
                        row["taken_at"].astimezone(dealership_zone(dealership)).date(),
                        kind_label(row["followup__kind"]),
                        row["followup__customer__name"],
                        row["comment"][:300],
                    ]
                    for row in comments
                ],
                keys=3,
            ),
        ],
    )


def dealership_zone(dealership):
    from dealership.figures import local_zone

    return local_zone(dealership)
