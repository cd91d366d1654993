import logging
import time

from django import db
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from dealership import services
from dealership.models import Delivery, JobRun
from dealership.notifications.services import deliveries_dispatch, send_in_process
from dealership.queue import (
    enqueue_delivery,
    enqueue_job_run,
    enqueue_report_run,
    enqueue_submission,
)
from dealership.tenancy import system_context

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the job dispatcher in a loop (what Celery beat does in production), and send the "
        "due messages (e-mail, digests, WeCom). Without REDIS_URL the due jobs run and the "
        "messages are sent in this process; with it both are handed to the workers. "
        "Prints a line per job run it started, with the time in the dealership's time zone, "
        "and nothing when no job was due (-v 2 also reports the idle rounds)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=int,
            default=settings.JOBS_DISPATCH_INTERVAL,
            help="Seconds between dispatches.",
        )
        parser.add_argument("--once", action="store_true", help="Dispatch once and exit.")

    def handle(self, *args, **options):
        while True:
            try:
                self.dispatch(options)
            except Exception:
                # the database or the broker is away (restarting), or a bug: the loop keeps
                # going, and the next pass derives everything due from the database again
                if options["once"]:
                    raise
                logger.exception("Dispatch pass failed; trying again at the next pass")
                db.connections.close_all()
            if options["once"]:
                return
            time.sleep(options["interval"])

    def dispatch(self, options):
        now = timezone.now()
        run_ids = services.jobs_dispatch(
            now=now, enqueue=enqueue_job_run, interval=options["interval"]
        )
        if run_ids:
            self.report(now, run_ids)
        elif options["verbosity"] >= 2:
            self.stdout.write(f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} no job due")
        self.send_messages(options["interval"])
        self.report_work(options["interval"])

    def send_messages(self, interval=None):
        """Due deliveries: sent here without workers (make run), else handed to them."""
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        enqueue = send_in_process if eager else enqueue_delivery
        sent = deliveries_dispatch(now=timezone.now(), enqueue=enqueue, interval=interval)
        if sent:
            with system_context():
                states = Delivery.objects.filter(pk__in=sent).values_list("channel", "state")
                for channel, state in states:
                    self.stdout.write(f"message ({channel}): {state}")

    def report_work(self, interval=None):
        """Report runs that wait and OEM submissions: here without workers, else handed on."""
        from dealership.reports.oem import submissions_dispatch
        from dealership.reports.services import generate_in_scope, report_runs_dispatch

        eager = settings.CELERY_TASK_ALWAYS_EAGER
        now = timezone.now()
        report_runs_dispatch(
            now=now, enqueue=generate_in_scope if eager else enqueue_report_run, interval=interval
        )
        submissions_dispatch(now=now, enqueue=enqueue_submission)
        from dealership.exports.service import list_exports_dispatch

        list_exports_dispatch(now=now)  # list exports whose task was lost

    def report(self, now, run_ids):
        """One line per run: when (the dealership's local time), where, which job and day."""
        with system_context():
            runs = (
                JobRun.objects.filter(pk__in=run_ids)
                .select_related("dealership")
                .order_by("dealership__code", "run_date", "job")
            )
            for run in runs:
                dealership = run.dealership
                local = now.astimezone(dealership.zoneinfo)
                self.stdout.write(
                    f"{local:%Y-%m-%d %H:%M:%S} {dealership.time_zone} · {dealership.code} · "
                    f"{run.job} for {run.run_date:%Y-%m-%d}: {run.state}"
                )
