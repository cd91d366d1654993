"""Steps every browser journey takes: log in as a demo or cast user, submit a service form."""

from __future__ import annotations

import re

from tests.factories import PASSWORD


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Log in from a clean context and wait for the dashboard."""
    page.set_default_timeout(45000)  # a busy machine: the live server's first pages are slow
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/"))


def submit(page, form: str = "[data-testid=service-form]") -> None:
    """Submit ``form`` and fail on any field error or error banner on the page it leads to."""
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
    errors = page.locator(".invalid-feedback, .alert-danger")
    assert errors.count() == 0, errors.all_inner_texts()
