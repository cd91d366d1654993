from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from dealership.models import DealerGroup, Dealership, GroupMembership, Membership, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]


def _seed_json():
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_seed_demo_creates_the_demo_world_and_is_idempotent(client):
    logins = _seed_json()
    counts = (User.objects.count(), Membership.objects.count(), Dealership.objects.count())
    again = _seed_json()
    assert (User.objects.count(), Membership.objects.count(), Dealership.objects.count()) == counts
    assert logins == again
    assert DealerGroup.objects.count() == 2
    by_group = {
        g.code: sorted(d.code for d in g.dealerships.all()) for g in DealerGroup.objects.all()
    }
    assert sorted(len(v) for v in by_group.values()) == [1, 2]
    assert {d.brand.code for d in Dealership.objects.all()} == {"kia", "gac-toyota"}
    for login in logins:
        assert set(login) >= {"username", "password", "dealership", "group", "position"}
    hq = [login for login in logins if login["dealership"] is None and login["group"]]
    assert hq and all(login["position"].startswith("hq_") for login in hq)
    # each HQ login holds the HQ position the demo names for it (not a default)
    assert {(m.user.username, m.position_code) for m in GroupMembership.objects.all()} == {
        (login["username"], login["position"]) for login in hq
    }
    assert {login["position"] for login in hq} == {"hq_director", "hq_analyst"}
    every = {login["dealership"] for login in logins if login["dealership"]}
    assert every == set(Dealership.objects.values_list("code", flat=True))
    # every demo login works
    for login in logins:
        assert client.login(username=login["username"], password=login["password"]), login[
            "username"
        ]
