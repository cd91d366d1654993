"""Every in-app link a page offers opens for the person who sees it.

Generated from the demo data: for each demo position (one login per position code, from the
first demo dealership) and each HQ login, a breadth-first crawl from the dashboard follows the
links of every page it opens and expects each to answer 200. At most ``PER_URL_NAME`` URLs are
opened per URL name (two staff pages tell as much as forty), so the crawl stays fast.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from dealership.demo import seed_demo
from dealership.models import User

PER_URL_NAME = 2
# not pages of the app: static files, logging out, the admin site, the Swagger UI; the language
# and workspace switchers are forms (POST), never followed
SKIPPED_PREFIXES = ("/static/", "/media/", "/accounts/logout", "/admin/", "/api/", "/i18n/")
SKIPPED_URL_NAMES = {"workspace_switch", "logout", "set_language"}


class LinkParser(HTMLParser):
    """The ``href`` of every ``<a>`` inside ``<body>``."""

    def __init__(self):
        super().__init__()
        self.in_body = False
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        elif tag == "a" and self.in_body:
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def in_app_links(page_url: str, html: str) -> list[str]:
    """Same-site paths (with their query) the page links to, in page order, without repeats."""
    parser = LinkParser()
    parser.feed(html)
    links = []
    for href in parser.hrefs:
        parts = urlsplit(urljoin(f"http://testserver{page_url}", href.strip()))
        if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
            continue  # another site, mailto:, javascript:
        link = parts.path + (f"?{parts.query}" if parts.query else "")
        if link.startswith(SKIPPED_PREFIXES) or link in links:
            continue
        links.append(link)
    return links


def url_name(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None  # an unknown URL: visited (and reported) like any other


def crawl(client: Client, start: str = "/dashboard/") -> tuple[list[tuple], int]:
    """Breadth-first from ``start``: (page, link, status) for every link that did not answer
    200, and the number of URLs opened.

    Of the ``PER_URL_NAME`` URLs opened per URL name, the second one comes from another kind of
    page than the first when there is one (a position page linked from another position page,
    not only from the chart), so different links to the same kind of page get checked."""
    failures, opened = [], 0
    seen = {start}
    per_name: Counter[str | None] = Counter()
    found_on_names: dict[str | None, set] = {}
    queue, later = deque([(start, "—", None)]), deque()
    while queue or later:
        deferrable = bool(queue)
        link, found_on, found_on_name = (queue or later).popleft()
        name = url_name(link)
        if name in SKIPPED_URL_NAMES or per_name[name] >= PER_URL_NAME:
            continue
        if deferrable and found_on_name in found_on_names.get(name, ()):
            later.append((link, found_on, found_on_name))
            continue
        per_name[name] += 1
        found_on_names.setdefault(name, set()).add(found_on_name)
        opened += 1
        response = client.get(link, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else link
        if response.status_code != 200 or urlsplit(final).path.startswith("/accounts/login/"):
            failures.append((found_on, link, response.status_code, final))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for target in in_app_links(final, response.content.decode()):
            if target not in seen:
                seen.add(target)
                queue.append((target, final, url_name(final)))
    return failures, opened


@pytest.fixture(scope="module")
def demo_logins(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        logins = seed_demo()
    yield logins
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def crawl_logins(logins) -> list:
    """One login per position code of the first demo dealership, and every HQ login."""
    first = next(login.dealership for login in logins if login.dealership)
    chosen, codes = [], set()
    for login in logins:
        if login.position is None:
            continue  # the outsider: only the "no access" page
        if login.dealership is None or (login.dealership == first and login.position not in codes):
            codes.add(login.position)
            chosen.append(login)
    return chosen


@pytest.mark.django_db
def test_every_link_a_demo_user_sees_opens(demo_logins):
    logins = crawl_logins(demo_logins)
    assert len(logins) > 30  # every position of the template, and HQ
    started, failures, opened = time.perf_counter(), [], 0
    for login in logins:
        client = Client()
        client.force_login(User.objects.get(username=login.username))
        found, count = crawl(client)
        opened += count
        failures += [(login.username, *failure) for failure in found]
    elapsed = time.perf_counter() - started
    print(f"crawled {opened} URLs for {len(logins)} logins in {elapsed:.1f} s")
    report = "\n".join(
        f"{username}: on {page} the link {link} answered {status}"
        + (f" (ended at {final})" if final != link else "")
        for username, page, link, status, final in failures
    )
    assert not failures, f"{len(failures)} broken links:\n{report}"
