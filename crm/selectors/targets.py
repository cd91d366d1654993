"""Reads of the SSI / CSI targets against the recorded surveys, and of the contact rate as a
target (per specialist and month, with every miss and its reason). Every read goes through
the access chokepoint for the viewer, in a constant number of queries.

* **Actual** SSI / CSI: the mean score (0–10) of the month's *call* surveys (as the e-CRB
  board); face-to-face surveys are analysed in their own weekly report.
* **Would recommend** (推荐购买率): the share of the month's answers to the recommend question
  (a question whose text names 推荐 / recommend: score 9–10, or yes) among those answered.
* **Per person**: the surveys of the deliveries a consultant made (SSI) and of the visits an
  advisor served (CSI): the event's staff.
* **Contact rate**: of the follow-ups of customers who are called whose window ended in the
  month, those reached (done) by the window's end. A **miss** is any other: unreachable,
  reached late, refused, attempted but not reached, or never called."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import (
    AttemptOutcome,
    CallAttempt,
    EventKind,
    FollowUp,
    FollowUpSettings,
    FollowUpStatus,
    SatisfactionAction,
    SatisfactionTarget,
    SurveyAnswer,
    SurveyChannel,
    SurveyResponse,
)
from dealership.access import can
from dealership.figures import Ratio, add_months, day_bounds, month_end, month_start

S = FollowUpStatus
REFERRAL_WORDS = ("推荐", "recommend")
PROMOTER_SCORE = 9  # 9–10 on the 0–10 scale: would recommend


def parse_month(value: str | None, default: dt.date) -> dt.date:
    """``YYYY-MM`` → its first day; ``default``'s month when empty or invalid."""
    try:
        year, month = (int(part) for part in (value or "").strip().split("-")[:2])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return month_start(default)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return day_bounds(month_start(month))[0], day_bounds(month_end(month))[1]


def referral_q(prefix: str = "") -> Q:
    q = Q()
    for word in REFERRAL_WORDS:
        q |= Q(**{f"{prefix}question_text__icontains": word})
    return q


def _mean(total, n):
    return None if not n else Ratio(total, n, scale=1, places=2)


# --- SSI / CSI ----------------------------------------------------------------------------------


@dataclass
class KindResult:
    kind: str
    label: str
    target: SatisfactionTarget | None
    actual: Ratio | None
    surveys: int
    referral: Ratio | None
    referral_base: int

    @property
    def gap(self):
        if self.target is None or self.actual is None:
            return None
        return (self.actual - self.target.target_score).quantize(self.target.target_score)

    @property
    def referral_gap(self):
        if self.target is None or self.target.referral_target is None or self.referral is None:
            return None
        return self.referral - self.target.referral_target

    @property
    def met(self) -> bool | None:
        gap = self.gap
        return None if gap is None else gap >= 0


def kind_label(kind: str):
    return _("SSI (sales)") if kind == EventKind.SALES else _("CSI (service)")


def _surveys(user, start, end):
    return SurveyResponse.objects.for_user(user, "view").filter(
        channel=SurveyChannel.CALL, taken_at__gte=start, taken_at__lt=end
    )


def _answers(user, start, end):
    return (
        SurveyAnswer.objects.for_user(user, "view")
        .filter(
            referral_q(),
            response__channel=SurveyChannel.CALL,
            response__taken_at__gte=start,
            response__taken_at__lt=end,
        )
        .filter(Q(score__isnull=False) | Q(yes__isnull=False))
    )


PROMOTER = Q(score__gte=PROMOTER_SCORE) | Q(yes=True)


def satisfaction_month(user, month: dt.date) -> list[KindResult] | None:
    """SSI and CSI of ``month``: target, actual, gap and the would-recommend share (3 queries)."""
    if not can(user, SatisfactionTarget, "view") or not can(user, SurveyResponse, "view"):
        return None
    month = month_start(month)
    start, end = month_bounds(month)
    targets = {
        t.kind: t for t in SatisfactionTarget.objects.for_user(user, "view").filter(month=month)
    }
    scores = {
        row["followup__kind"]: row
        for row in _surveys(user, start, end)
        .filter(score__isnull=False)
        .values("followup__kind")
        .annotate(total=Sum("score"), n=Count("pk"))
        .order_by()
    }
    referrals = {
        row["response__followup__kind"]: row
        for row in _answers(user, start, end)
        .values("response__followup__kind")
        .annotate(promoters=Count("pk", filter=PROMOTER), n=Count("pk"))
        .order_by()
    }
    result = []
    for kind in EventKind.values:
        score, ref = scores.get(kind, {}), referrals.get(kind, {})
        result.append(
            KindResult(
                kind=kind,
                label=kind_label(kind),
                target=targets.get(kind),
                actual=_mean(score.get("total"), score.get("n")),
                surveys=score.get("n", 0),
                referral=Ratio.of(ref.get("promoters", 0), ref.get("n", 0)),
                referral_base=ref.get("n", 0),
            )
        )
    return result


def satisfaction_by_person(user, month: dt.date) -> dict[str, list[dict]]:
    """Per sales consultant (SSI) and per service advisor (CSI): surveys, mean score and the
    would-recommend share of ``month`` (2 queries). ``{kind: [row, ...]}`` best first."""
    month = month_start(month)
    start, end = month_bounds(month)
    keys = ("followup__kind", "followup__event__staff_id")
    names = ("followup__event__staff__name", "followup__event__staff__username")
    rows = (
        _surveys(user, start, end)
        .filter(score__isnull=False)
        .values(*keys, *names)
        .annotate(total=Sum("score"), n=Count("pk"))
        .order_by()
    )
    prefix = "response__"
    referrals = {
        (row[f"{prefix}followup__kind"], row[f"{prefix}followup__event__staff_id"]): row
        for row in _answers(user, start, end)
        .values(*(prefix + k for k in keys))
        .annotate(promoters=Count("pk", filter=PROMOTER), n=Count("pk"))
        .order_by()
    }
    result: dict[str, list[dict]] = {kind: [] for kind in EventKind.values}
    for row in rows:
        key = (row["followup__kind"], row["followup__event__staff_id"])
        ref = referrals.get(key, {})
        result.setdefault(key[0], []).append(
            {
                "staff_id": key[1],
                "name": row[names[0]] or row[names[1]] or _("Not recorded"),
                "surveys": row["n"],
                "score": _mean(row["total"], row["n"]),
                "referral": Ratio.of(ref.get("promoters", 0), ref.get("n", 0)),
            }
        )
    for kind_rows in result.values():
        kind_rows.sort(key=lambda r: (-(r["score"] or 0), str(r["name"])))
    return result


def actions_for_user(user, *, month: dt.date | None = None, state: str = "", owner=None):
    rows = SatisfactionAction.objects.for_user(user, "view").select_related(
        "target", "owner", "created_by"
    )
    if month is not None:
        rows = rows.filter(target__month=month_start(month))
    if state == "overdue":
        rows = rows.filter(state__in=("open", "in_progress"), due_on__lt=timezone.localdate())
    elif state:
        rows = rows.filter(state=state)
    if owner is not None:
        rows = rows.filter(owner=owner)
    return rows.order_by("due_on", "pk")


def targets_for_user(user):
    return (
        SatisfactionTarget.objects.for_user(user, "view")
        .annotate(
            actions_open=Count("actions", filter=Q(actions__state__in=("open", "in_progress")))
        )
        .order_by("-month", "kind")
    )


# --- the contact rate as a target ---------------------------------------------------------------


class MissReason:
    UNREACHABLE = "unreachable"
    LATE = "late"
    REFUSED = "refused"
    NOT_REACHED = "not_reached"
    NOT_CALLED = "not_called"

    LABELS = {
        UNREACHABLE: _("Unreachable"),
        LATE: _("Reached after the window"),
        REFUSED: _("Customer refused"),
        NOT_REACHED: _("Called, not reached"),
        NOT_CALLED: _("Not called"),
    }


def _window_ended(month: dt.date, today: dt.date) -> Q:
    last = min(month_end(month), today - dt.timedelta(days=1))
    return ~Q(status=S.NOT_CALLED) & Q(window_end__gte=month_start(month), window_end__lte=last)


REACHED = Q(status=S.DONE, closed_on__lte=F("window_end"))


def contact_target(user) -> tuple[int, str]:
    """The dealership's target (%) and window, e.g. ``(100, "N+1..N+3")``."""
    rules = FollowUpSettings.objects.for_user(user, "view").first()
    if rules is None:
        rules = FollowUpSettings()
    return rules.contact_target, str(rules)


def contact_by_specialist(user, month: dt.date, today: dt.date) -> list[dict]:
    """Per specialist: due (window ended this month, before today), reached within the window,
    rate, and misses (1 query)."""
    rows = (
        FollowUp.objects.for_user(user, "view")
        .filter(_window_ended(month, today))
        .values("specialist_id", "specialist__name", "specialist__username")
        .annotate(due=Count("pk"), reached=Count("pk", filter=REACHED))
        .order_by()
    )
    result = [
        {
            "specialist_id": row["specialist_id"],
            "name": row["specialist__name"] or row["specialist__username"] or _("Not assigned"),
            "due": row["due"],
            "reached": row["reached"],
            "missed": row["due"] - row["reached"],
            "rate": Ratio.of(row["reached"], row["due"]),
        }
        for row in rows
    ]
    result.sort(key=lambda r: str(r["name"]))
    return result


def contact_by_month(user, month: dt.date, today: dt.date, months: int = 6) -> list[dict]:
    """The contact rate of the ``months`` months up to ``month`` (1 query)."""
    first = add_months(month_start(month), -(months - 1))
    last = min(month_end(month), today - dt.timedelta(days=1))
    rows = {
        row["m"]: row
        for row in FollowUp.objects.for_user(user, "view")
        .filter(~Q(status=S.NOT_CALLED), window_end__gte=first, window_end__lte=last)
        .annotate(m=TruncMonth("window_end"))
        .values("m")
        .annotate(due=Count("pk"), reached=Count("pk", filter=REACHED))
        .order_by()
    }
    result = []
    for n in range(months):
        m = add_months(first, n)
        row = rows.get(m) or rows.get(dt.datetime.combine(m, dt.time.min)) or {}
        result.append(
            {
                "month": m,
                "due": row.get("due", 0),
                "reached": row.get("reached", 0),
                "rate": Ratio.of(row.get("reached", 0), row.get("due", 0)),
            }
        )
    return result


def contact_misses(user, month: dt.date, today: dt.date, *, specialist_id=None, reason=""):
    """The follow-ups of ``month`` not reached within their window, each annotated with
    ``refused`` / ``attempted`` (whether any attempt was refused / made) for its reason."""
    attempts = CallAttempt.objects.filter(followup=OuterRef("pk"))
    rows = (
        FollowUp.objects.for_user(user, "view")
        .filter(_window_ended(month, today))
        .exclude(REACHED)
        .annotate(
            refused=Exists(attempts.filter(outcome=AttemptOutcome.REFUSED)),
            attempted=Exists(attempts),
        )
        .select_related("customer", "specialist", "event", "event__staff")
    )
    if specialist_id is not None:
        rows = rows.filter(specialist_id=specialist_id or None)
    reasons = {
        MissReason.UNREACHABLE: Q(status=S.UNREACHABLE),
        MissReason.LATE: Q(status=S.DONE),
        MissReason.REFUSED: ~Q(status__in=(S.UNREACHABLE, S.DONE)) & Q(refused=True),
        MissReason.NOT_REACHED: ~Q(status__in=(S.UNREACHABLE, S.DONE))
        & Q(refused=False, attempted=True),
        MissReason.NOT_CALLED: ~Q(status__in=(S.UNREACHABLE, S.DONE)) & Q(attempted=False),
    }
    if reason in reasons:
        rows = rows.filter(reasons[reason])
    return rows.order_by("window_end", "pk")


def miss_reason(followup) -> str:
    if followup.status == S.UNREACHABLE:
        return MissReason.UNREACHABLE
    if followup.status == S.DONE:
        return MissReason.LATE
    if getattr(followup, "refused", False):
        return MissReason.REFUSED
    if getattr(followup, "attempted", False):
        return MissReason.NOT_REACHED
    return MissReason.NOT_CALLED
