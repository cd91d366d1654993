import json
import re
import time

from django.core.management.base import BaseCommand, CommandError

from dealership.bench import BENCH_PASSWORD, SCALES, replica_mode, seed_bench


class Command(BaseCommand):
    help = (
        "Add bench dealerships with a realistic month of records each (bulk inserts) and the "
        "bench logins. Dealerships already seeded are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dealerships", type=int, default=50, help="How many (50).")
        parser.add_argument(
            "--groups", type=int, default=5, help="Dealer groups they are spread across (5)."
        )
        parser.add_argument(
            "--month", help="The month to seed, YYYY-MM (default: the previous month)."
        )
        parser.add_argument(
            "--scale", choices=sorted(SCALES), default="full", help="tiny is for tests."
        )
        parser.add_argument(
            "--password", default=BENCH_PASSWORD, help="The bench logins' password."
        )
        parser.add_argument("--json", action="store_true", help="Print the bench logins.")

    def handle(self, *args, **options):
        from dealership.reports.periods import Period
        from dealership.reports.registry import MONTH

        count = options["dealerships"]
        if count < 1 or options["groups"] < 1:
            raise CommandError("Give at least one dealership and one group.")
        period = None
        if options["month"]:
            if not re.fullmatch(r"\d{4}-\d{2}", options["month"]):
                raise CommandError("Give the month as YYYY-MM.")
            period = Period.from_key(MONTH, options["month"])
        quiet = options["json"] or options["verbosity"] < 1
        started = time.perf_counter()
        with replica_mode():
            result = seed_bench(
                dealerships=count,
                groups=options["groups"],
                period=period,
                scale=options["scale"],
                password=options["password"],
                log=(lambda _line: None) if quiet else self.stdout.write,
            )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "logins": [login.as_dict() for login in result.logins],
                        "dealerships": len(result.dealerships),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.dealerships)} bench dealerships ready "
                f"({len(result.seeded)} seeded now) in {seconds:.1f} s."
            )
        )
        for login in result.logins:
            self.stdout.write(
                f"  {login.username:<20} {login.password}  {login.dealership}  {login.persona}"
            )
