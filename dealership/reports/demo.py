"""Demo reports: each brand's car maker takes the submissions by e-mail (addresses under
``.invalid``), and the reports of the recent past are generated as the scheduler would have:
last month's monthly reports and submissions, the last five weeks' weekly ones, the last three
days' daily summaries. Seeding again finds the runs made and adds nothing."""

from __future__ import annotations

import datetime as dt

from django.test.utils import override_settings
from django.utils import timezone

from dealership.models import Brand, OemChannel
from dealership.reports.models import PeriodKind
from dealership.reports.registry import all_reports

# how far back the demo's reports are made: daily summaries of the last three days, weekly
# reports of the last five weeks (the month's calendar), monthly ones due in the last 40 days
WINDOW = {PeriodKind.DAY: 3, PeriodKind.WEEK: 35}
HISTORY_DAYS = 40


def seed_reports(dealerships) -> list:
    from dealership.services import jobs_run_for_date

    for brand in Brand.objects.all():
        OemChannel.objects.get_or_create(
            brand=brand,
            defaults={
                "kind": OemChannel.Kind.EMAIL,
                "email": f"dealer-reports@{brand.code}.invalid",
            },
        )
    reports = all_reports()
    if not reports:
        return []
    # the demo's e-mails to the car makers go to an in-memory outbox, not to the console
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for dealership in dealerships:
            today = timezone.now().astimezone(dealership.zoneinfo).date()
            for offset in range(HISTORY_DAYS, 0, -1):
                day = today - dt.timedelta(days=offset)
                names = [
                    r.job_name
                    for r in reports
                    if r.due.is_due_on(day) and offset <= WINDOW.get(r.period, HISTORY_DAYS)
                ]
                if names:
                    jobs_run_for_date(run_date=day, dealerships=[dealership], job_names=names)
    _on_time(dealerships)
    return []


def _on_time(dealerships) -> None:
    """The scheduler makes a run before its due time; the demo made them today, so their times
    are set to what the scheduler's would have been (a calendar of late reports would mislead)."""
    from django.db.models import F

    from dealership.models import ReportRun
    from dealership.tenancy import system_context

    with system_context():
        ReportRun.objects.filter(
            dealership__in=dealerships,
            trigger=ReportRun.Trigger.SCHEDULE,
            due_at__isnull=False,
            finished_at__gt=F("due_at"),
        ).update(
            started_at=F("due_at") - dt.timedelta(minutes=31),
            finished_at=F("due_at") - dt.timedelta(minutes=30),
        )
