"""The fault suite's dispatcher process: ``manage.py run_scheduler`` with the fault job
registered (``python -m tests.faults.dispatcher --interval 1``)."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealership.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from tests.faults import jobs  # noqa: E402

jobs.register()
call_command("run_scheduler", *sys.argv[1:])
