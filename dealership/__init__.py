"""The project package: settings, URLs, the Celery app and the platform every app shares."""

from dealership.celery import app as celery_app

__all__ = ["celery_app"]
