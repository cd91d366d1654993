"""``dealership.figures.per_dealership``: a figure's query grouped by dealership gives the run's
dealership its own value; inside ``figures_by_dealership`` it runs once per time zone of the
group, in a read-only scope of that zone's dealerships and in their time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from dealership.figures import (
    Figure,
    figure_run,
    figures_by_dealership,
    local_zone,
    per_dealership,
    register_figure,
    unregister_figure,
)
from dealership.tenancy import TenantScope, dealership_context, get_scope, tenant_context

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 15)


def test_the_run_s_dealership_gets_its_value_its_default_or_none(cast):
    calls = []

    def compute():
        calls.append(get_scope().dealership_ids)
        return {cast.a.pk: 7, cast.b.pk: 9}

    with dealership_context(cast.a), figure_run():
        assert per_dealership("k", compute, 0) == 7
        assert per_dealership("k", compute, 0) == 7  # shared within the run
        assert per_dealership("other", dict, 0) == 0  # no row: the default
        assert per_dealership("hidden", lambda: None, 0) is None  # may not see: None
    assert calls == [frozenset({cast.a.pk})]
    with dealership_context(cast.b), figure_run():
        assert per_dealership("k", compute, 0) == 9
    assert len(calls) == 2


@pytest.fixture
def probe_figure():
    """A figure that records each query it runs: the scope's dealerships and the time zone."""
    calls = []

    def compute(user, day):
        def grouped():
            scope = get_scope()
            calls.append((scope.dealership_ids, str(local_zone()), scope.writable_ids))
            return {pk: f"{pk}@{local_zone()}" for pk in scope.dealership_ids}

        return per_dealership(("probe", day), grouped)

    register_figure(Figure("test.probe", "probe", compute))
    yield calls
    unregister_figure("test.probe")


def test_hq_runs_each_grouped_query_once_per_time_zone(cast, probe_figure):
    from tests import factories

    c = factories.DealershipFactory(code="zc", group=cast.group1, time_zone="Asia/Urumqi")
    d = factories.DealershipFactory(code="zd", group=cast.group1)
    dealerships = [cast.a, c, cast.b, d]
    group = TenantScope.for_group(cast.group1.pk, [x.pk for x in dealerships])
    with tenant_context(group):
        result = figures_by_dealership(cast.hq_user, DAY, dealerships, codes=["test.probe"])
    assert list(result) == [x.pk for x in dealerships]  # in the order given
    values = {
        pk: dict((f.code, v) for f, v in found)["test.probe"] for pk, (found, _) in result.items()
    }
    assert values == {
        cast.a.pk: f"{cast.a.pk}@Asia/Shanghai",
        cast.b.pk: f"{cast.b.pk}@Asia/Shanghai",
        d.pk: f"{d.pk}@Asia/Shanghai",
        c.pk: f"{c.pk}@Asia/Urumqi",
    }
    assert sorted(probe_figure, key=lambda call: call[1]) == [
        (frozenset({cast.a.pk, cast.b.pk, d.pk}), "Asia/Shanghai", frozenset()),
        (frozenset({c.pk}), "Asia/Urumqi", frozenset()),
    ]


def test_a_dealership_the_scope_does_not_read_is_left_out(cast, probe_figure):
    group = TenantScope.for_group(cast.group1.pk, [cast.a.pk])
    with tenant_context(group):
        result = figures_by_dealership(cast.hq_user, DAY, [cast.a, cast.b], codes=["test.probe"])
    assert list(result) == [cast.a.pk]
    assert probe_figure == [(frozenset({cast.a.pk}), "Asia/Shanghai", frozenset())]
