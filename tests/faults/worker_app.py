"""The Celery app of the fault suite's worker and beat processes: the project's app, with the
fault job registered instead of the apps' jobs (``celery -A tests.faults.worker_app``)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealership.settings")
django.setup()

from dealership.celery import app  # noqa: E402
from tests.faults import jobs  # noqa: E402

jobs.register()

__all__ = ["app"]
