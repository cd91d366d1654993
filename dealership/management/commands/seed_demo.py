import json

from django.core.management.base import BaseCommand
from django.db import transaction

from dealership.demo import seed_demo
from dealership.tenancy import system_context


class Command(BaseCommand):
    help = (
        "Create (or bring up to date) the demo dealer groups, dealerships and logins. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="Print every demo login as a JSON list."
        )

    def handle(self, *args, **options):
        with system_context(), transaction.atomic():
            logins = seed_demo()
        if options["json"]:
            self.stdout.write(
                json.dumps([login.as_dict() for login in logins], ensure_ascii=False, indent=2)
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(logins)} logins."))
        for login in logins:
            where = login.dealership or (f"HQ {login.group}" if login.group else "-")
            self.stdout.write(
                f"  {login.username:<40} {login.password}  {where:<14} {login.position or '-'}"
            )
