"""Platform selectors (reads)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import get_language

from dealership.access_cache import cached
from dealership.models import Dealership, GroupMembership, JobRun, Membership


@dataclass(frozen=True)
class Workspace:
    """A place a user can work in: one dealership, or (HQ) a whole dealer group read-only."""

    kind: str  # "dealership" | "group"
    object_id: int
    name_zh: str
    name_en: str
    dealership_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        return f"{self.kind[0]}:{self.object_id}"

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


def user_workspaces(user) -> list[Workspace]:
    """The user's active dealerships, then the dealer groups they oversee from HQ; from the
    access cache (no query) or the database (2–3 queries)."""
    return cached("workspaces", str(user.pk), lambda: _user_workspaces(user))


def _user_workspaces(user) -> list[Workspace]:
    # oldest first: the first workspace is the default (no choice in the session, an API token
    # without X-Workspace), and a dealership that adds the person later never takes its place
    memberships = (
        Membership.objects.filter(user=user, is_active=True, dealership__is_active=True)
        .select_related("dealership")
        .order_by("created_at", "pk")
    )
    workspaces = [
        Workspace(
            "dealership",
            m.dealership_id,
            m.dealership.name_zh,
            m.dealership.name_en,
            (m.dealership_id,),
        )
        for m in memberships
    ]
    hq = (
        GroupMembership.objects.filter(user=user, is_active=True)
        .select_related("group")
        .prefetch_related(
            Prefetch(
                "group__dealerships",
                queryset=Dealership.objects.filter(is_active=True).only("pk", "group_id"),
            )
        )
    )
    for gm in hq:
        ids = tuple(d.pk for d in gm.group.dealerships.all())
        workspaces.append(Workspace("group", gm.group_id, gm.group.name_zh, gm.group.name_en, ids))
    return workspaces


def dealerships_in_scope(scope) -> QuerySet[Dealership]:
    if scope is None:
        return Dealership.objects.none()
    if scope.is_system:
        return Dealership.objects.all()
    return Dealership.objects.filter(pk__in=scope.dealership_ids)


def job_runs_for_user(user, *, state: str | None = None) -> QuerySet[JobRun]:
    runs = JobRun.objects.for_user(user, "view").select_related("dealership")
    if state:
        runs = runs.filter(state=state)
    return runs.order_by("-run_date", "job", "pk")


def people_in(rows: QuerySet, field: str) -> QuerySet:
    """The users ``field`` names on ``rows`` (a filter's choices: the advisors of the repair
    orders the viewer may see), by name. Their ids are collected once and the users read by key
    (:class:`dealership.expressions.AmongRows`): written ``IN (SELECT …)``, PostgreSQL probed
    the rows once for every user of the installation (62 ms for HQ's repair orders on the bench
    data; 15 ms this way)."""
    from django.contrib.auth import get_user_model

    from dealership.expressions import AmongRows

    ids = rows.order_by().values(field).distinct()
    return get_user_model().objects.filter(AmongRows("pk", ids)).order_by("name", "username")
