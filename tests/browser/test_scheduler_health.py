"""The scheduler's health on the job-runs page, on a phone, in Chinese: the red banner when the
dispatcher is overdue, the panel's counts, nothing wider than the screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealership.models import JobRun
from dealership.queue import dispatcher_pass_record
from tests.cast import build_cast
from tests.factories import PASSWORD, JobRunFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_an_overdue_dispatcher_is_red_on_a_phone(login, page, live_server, settings, tmp_path):
    settings.CELERY_BROKER_URL = "memory://"  # no Redis: "in process"
    cast = build_cast()
    dispatcher_pass_record(name="jobs", now=timezone.now() - dt.timedelta(minutes=40), interval=300)
    JobRunFactory(dealership=cast.a, state=JobRun.State.MISSED)
    JobRunFactory(dealership=cast.a, state=JobRun.State.FAILED, attempts=1)
    page.set_viewport_size(PHONE)
    login("user_a", PASSWORD)
    page.goto(f"{live_server.url}/platform/jobs/")
    banner = page.locator("[data-testid=dispatcher-down]")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "定时任务没有被分派" in text and "每 300 秒" in text and "run_scheduler" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    panel = page.locator("[data-testid=scheduler-health]")
    assert "40" in panel.locator("[data-testid=health-dispatcher-jobs]").inner_text()
    assert panel.locator("[data-count=missed]").inner_text() == "1"
    assert panel.locator("[data-count=failed_retrying]").inner_text() == "1"
    assert panel.evaluate("el => el.getBoundingClientRect().right") <= 390
    page.screenshot(path=str(tmp_path / "scheduler-health.png"), full_page=True)
    # the missed runs, from the panel's link
    panel.locator("a[href='?state=missed']").click()
    page.wait_for_url("**/platform/jobs/?state=missed")
    assert page.locator("select[name=state]").input_value() == "missed"
