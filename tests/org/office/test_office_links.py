"""Every link of the admin office's pages opens for the person who sees it (the demo's notices,
meetings, training and rota, walked as each kind of person)."""

from __future__ import annotations

import re

import pytest

from org.office.demo import seed_office
from tests.factories import UserFactory, hire

PAGES = [
    "/org/notices/",
    "/org/notices/?unread=1",
    "/org/meetings/",
    "/org/action-items/?mine=1",
    "/org/action-items/?overdue=1",
    "/org/training/",
    "/org/rota/",
    "/org/rota/attendance/",
    "/dashboard/",
]
OURS = re.compile(r'href="(/org/(?:notices|meetings|action-items|training|rota|staff)/[^"#]*)"')


@pytest.mark.parametrize(
    "code",
    [
        "technician",
        "sales_consultant",
        "sales_manager",
        "admin_clerk",
        "hr_manager",
        "technical_expert",
    ],
)
def test_every_office_link_opens_for_who_sees_it(cast, office, client_for, code):
    for extra in ("admin_manager", "service_manager", "workshop_supervisor"):
        hire(UserFactory(username=f"links_{extra}"), cast.a, extra)
    seed_office([cast.a])
    viewer = {
        "technician": office.tech1,
        "sales_consultant": office.consultant,
        "sales_manager": office.sales_manager,
        "admin_clerk": office.clerk,
        "hr_manager": office.hr,
        "technical_expert": office.expert,
    }[code]
    client = client_for(viewer)
    seen, queue = set(), list(PAGES)
    while queue and len(seen) < 120:
        url = queue.pop(0).replace("&amp;", "&")
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, (code, url, response.status_code)
        if "text/html" in response.get("Content-Type", ""):
            queue.extend(OURS.findall(response.content.decode()))
    # the walk reached the demo's rows (a notice's own page at least), not only the lists
    assert any(re.fullmatch(r"/org/notices/\d+/", u) for u in seen), sorted(seen)
