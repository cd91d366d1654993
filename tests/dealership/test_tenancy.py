"""The fail-closed tenant manager, scopes, writes and cache keys."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import models
from django.test.utils import isolate_apps

from dealership.checks import check_tenant_uniqueness
from dealership.models import JobRun
from dealership.tenancy import (
    TenantContextMissing,
    TenantScope,
    TenantViolation,
    current_scope,
    dealership_context,
    system_context,
    tenant_context,
)
from dealership.tenancy.models import TenantModel
from dealership.tenancy.resolve import resolve_scope
from tests.factories import JobRunFactory


@pytest.fixture
def runs(cast):
    return {
        key: JobRunFactory(dealership=getattr(cast, key), job=f"job.{key}")
        for key in ("a", "b", "c")
    }


def test_query_without_tenant_raises(runs):
    with pytest.raises(TenantContextMissing, match="No tenant in context"):
        list(JobRun.objects.all())
    with pytest.raises(TenantContextMissing):
        JobRun.objects.count()


def test_dealership_scope_sees_only_its_rows(cast, runs):
    with dealership_context(cast.a):
        assert list(JobRun.objects.values_list("job", flat=True)) == ["job.a"]
        assert not JobRun.objects.filter(pk=runs["b"].pk).exists()


def test_group_scope_reads_group_rows_but_writes_none(cast, runs):
    scope = resolve_scope(cast.hq_user)
    with tenant_context(scope):
        assert sorted(JobRun.objects.values_list("job", flat=True)) == ["job.a", "job.b"]
        run = JobRun.objects.get(pk=runs["a"].pk)
        run.result = "changed by HQ"
        with pytest.raises(TenantViolation):
            run.save()
        assert JobRun.objects.update(result="x") == 0
        assert JobRun.objects.filter(pk=runs["a"].pk).delete()[0] == 0
    with dealership_context(cast.a):
        assert JobRun.objects.get(pk=runs["a"].pk).result == ""


def test_save_fills_and_guards_the_dealership(cast):
    with dealership_context(cast.a):
        run = JobRun(job="x", run_date="2026-11-23")
        run.save()
        assert run.dealership_id == cast.a.pk
        intruder = JobRun(job="y", run_date="2026-11-23", dealership=cast.b)
        with pytest.raises(TenantViolation):
            intruder.save()
    with system_context():
        assert JobRun.objects.filter(job="y").count() == 0


def test_context_is_reset_even_after_an_error(cast):
    assert current_scope() is None
    with pytest.raises(ZeroDivisionError), dealership_context(cast.a):
        1 / 0  # noqa: B018
    assert current_scope() is None


def test_system_scope_reads_everything(runs):
    with system_context():
        assert JobRun.objects.count() == 3


def test_user_scope_resolution(cast, client):
    assert resolve_scope(cast.outsider) is None
    assert resolve_scope(cast.user_a) == TenantScope.for_dealership(cast.a.pk)
    hq = resolve_scope(cast.hq_user)
    assert hq.is_hq and hq.dealership_ids == {cast.a.pk, cast.b.pk} and not hq.writable_ids


def test_ended_membership_removes_access_at_once(cast):
    cast.user_a.memberships.update(is_active=False)
    assert resolve_scope(cast.user_a) is None


def test_inactive_dealership_leaves_the_group_scope(cast):
    cast.b.is_active = False
    cast.b.save()
    assert resolve_scope(cast.hq_user).dealership_ids == {cast.a.pk}


def test_cache_keys_carry_the_tenant(cast):
    with dealership_context(cast.a):
        cache.set("board", "A's numbers")
        assert cache.get("board") == "A's numbers"
    with dealership_context(cast.b):
        assert cache.get("board") is None
    assert cache.get("board") is None  # no tenant: the platform namespace


@isolate_apps("dealership")
def test_system_check_requires_dealership_in_unique_constraints():
    class Bad(TenantModel):
        number = models.CharField(max_length=10, unique=True)

        class Meta:
            app_label = "dealership"

    class AlsoBad(TenantModel):
        number = models.CharField(max_length=10)

        class Meta:
            app_label = "dealership"
            constraints = [models.UniqueConstraint(fields=["number"], name="bad_unique")]

    class Good(TenantModel):
        number = models.CharField(max_length=10)

        class Meta:
            app_label = "dealership"
            constraints = [
                models.UniqueConstraint(fields=["dealership", "number"], name="good_unique")
            ]

    errors = check_tenant_uniqueness(models_to_check=[Bad, AlsoBad, Good])
    assert {(e.obj, e.id) for e in errors} == {
        (Bad, "dealership.E001"),
        (AlsoBad, "dealership.E001"),
    }


def test_the_project_passes_the_tenancy_check():
    assert check_tenant_uniqueness() == []
