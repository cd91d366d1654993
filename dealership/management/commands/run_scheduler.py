import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from dealership.tasks import dispatch_due_jobs


class Command(BaseCommand):
    help = (
        "Run the job dispatcher in a loop (what Celery beat does in production). Without "
        "REDIS_URL the due jobs run in this process; with it they are sent to the workers."
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
            count = dispatch_due_jobs()
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} dispatched {count} job run(s)")
            if options["once"]:
                return
            time.sleep(options["interval"])
