"""Links on a page go only to rows the viewer may open (``dealership.access.permitted_ids``);
a viewer who sees the whole scope is answered without asking the database again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Customer
from dealership.access import permitted_ids
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire
from tests.isolation import make_tenant_object

pytestmark = pytest.mark.django_db


def test_an_own_scope_viewer_gets_only_their_rows_and_the_gm_all_without_a_query(cast):
    consultant = UserFactory()
    hire(consultant, cast.a, "sales_consultant")
    with dealership_context(cast.a):
        mine, theirs = make_tenant_object(Customer, cast.a), make_tenant_object(Customer, cast.a)
        Customer.objects.filter(pk=mine.pk).update(owner=consultant)
        Customer.objects.filter(pk=theirs.pk).update(owner=cast.user_a)
        ids = [mine.pk, theirs.pk]
        assert permitted_ids(consultant, Customer, "view", ids) == {mine.pk}
        permitted_ids(cast.user_a, Customer, "view", ids)  # the GM's grants, read once
        with CaptureQueriesContext(connection) as captured:
            assert permitted_ids(cast.user_a, Customer, "view", ids) == set(ids)
        assert len(captured) == 0


@pytest.mark.parametrize(
    ("per_page", "rows"),
    [("100000", 100), ("0", 25), ("-5", 1), ("abc", 25), ("3", 3), ("\x00", None)],
)
def test_a_page_shows_at_most_100_rows_whatever_it_is_asked(cast, client_for, per_page, rows):
    """``?per_page=`` is kept between 1 and 100 (no page of a million rows); junk is the default
    (0: the default; with a NUL, a 400)."""
    from dealership.models import JobRun
    from tests.factories import JobRunFactory

    with dealership_context(cast.a):
        JobRunFactory.create_batch(105, dealership=cast.a)
        assert JobRun.objects.count() >= 105
    response = client_for(cast.user_a).get("/platform/jobs/", {"per_page": per_page})
    if rows is None:
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == rows
