import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dealership.jobs import all_jobs, get_job
from dealership.models import Dealership, JobRun
from dealership.services import jobs_run_for_date


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date in the form YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Run every scheduled job due on a day, now, for every dealership (or one). Runs that "
        "already succeeded are skipped, so running it twice does nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", required=True, type=_date, help="The day, YYYY-MM-DD (local date)."
        )
        parser.add_argument("--dealership", help="Only this dealership (its code).")
        parser.add_argument(
            "--job", action="append", dest="jobs", help="Only this job (repeatable)."
        )

    def handle(self, *args, **options):
        dealerships = Dealership.objects.filter(is_active=True).order_by("code")
        if options["dealership"]:
            dealerships = dealerships.filter(code=options["dealership"])
            if not dealerships:
                raise CommandError(f"No active dealership has the code {options['dealership']!r}.")
        for name in options["jobs"] or []:
            if get_job(name) is None:
                known = ", ".join(job.name for job in all_jobs()) or "none"
                raise CommandError(f"No job named {name!r}. Registered jobs: {known}.")
        runs = jobs_run_for_date(
            run_date=options["date"], dealerships=dealerships, job_names=options["jobs"]
        )
        by_id = {d.pk: d.code for d in dealerships}
        for run in runs:
            style = self.style.SUCCESS if run.state == JobRun.State.SUCCEEDED else self.style.ERROR
            # the result, or the last line of the error (the exception message)
            detail = run.result or (run.error.strip().splitlines() or [""])[-1]
            self.stdout.write(
                f"{by_id[run.dealership_id]:<16} {run.job:<40} {style(run.state)}  {detail}"
            )
        failed = sum(run.state == JobRun.State.FAILED for run in runs)
        self.stdout.write(f"{len(runs)} job runs on {options['date']:%Y-%m-%d}, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} job run(s) failed; see the job runs page for the errors.")
