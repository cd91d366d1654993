"""Who reads and keeps the admin office's rows (registered from ``OrgConfig.ready()``, with the
office's kinds of notification, navigation, demo and bench seeders).

**Readers and keepers.** Every row has *readers* — the people it concerns: the recipient of a
notice, the attendees and owners of a meeting's items, the trainees and trainer of a session,
the person on a shift — who read it with ``org.view_staff`` (every staff member holds it for
their own rows; managers for their department, HR for the dealership), and *keepers*, who hold
the module's change capability (``org.change_notice``, ``change_meeting``, ``change_training``,
``change_rota``) and read and write what they keep at that capability's scope. A keeper without a
wide ``org.view_staff`` (the admin clerk) still reads every notice she registers:
:class:`KeeperPolicy` reads the union of both, and writes by the keepers' rule only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from dealership.policies import READ_ACTIONS, register_policy
from org.access import ModelAccess, PositionPolicy, UserAccess, model_access, user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

Rule = Callable[[UserAccess], Q]


@dataclass(frozen=True)
class KeeperAccess(ModelAccess):
    """``view``/``own``/``department``: the readers' rule; ``change`` with ``keeper_own`` /
    ``keeper_department``: the keepers' rule (they read what they may write)."""

    keeper_own: Rule | None = None
    keeper_department: Rule | None = None


_ALL = Q()


def _condition(scope, own: Rule | None, department: Rule | None, access) -> Q | None:
    """The rows of a capability held at ``scope``: every row (``Q()``), a condition, or none."""
    if scope in (DataScope.DEALERSHIP, DataScope.GROUP):
        return _ALL
    rule = {DataScope.DEPARTMENT: department or own, DataScope.OWN: own}.get(scope)
    return rule(access) if rule is not None else None


class KeeperPolicy(PositionPolicy):
    def allows(self, user, action, model):
        if super().allows(user, action, model):
            return True
        rules = model_access(model)
        return (
            action in READ_ACTIONS
            and isinstance(rules, KeeperAccess)
            and user_access(user).has(rules.change)
        )

    def covers_scope(self, user, action, model) -> bool:
        rules = model_access(model)
        if not isinstance(rules, KeeperAccess) or not self.allows(user, action, model):
            return False
        access = user_access(user)
        wide = (DataScope.DEALERSHIP, DataScope.GROUP)
        keeper = access.scope_for(rules.change) in wide
        return (
            access.is_system
            or keeper
            or (action in READ_ACTIONS and access.scope_for(rules.view) in wide)
        )

    def restrict(self, user, action, queryset):
        rules = model_access(queryset.model)
        access = user_access(user)
        if access.is_system:
            return queryset
        if not isinstance(rules, KeeperAccess):
            return queryset.none()
        keepers = (
            _condition(
                access.scope_for(rules.change), rules.keeper_own, rules.keeper_department, access
            )
            if access.writable or action in READ_ACTIONS
            else None
        )
        conditions = [keepers]
        if action in READ_ACTIONS:
            conditions.append(
                _condition(access.scope_for(rules.view), rules.own, rules.department, access)
            )
        conditions = [c for c in conditions if c is not None]
        if not conditions:
            return queryset.none()
        if any(c == _ALL for c in conditions):
            return queryset
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return queryset.filter(combined)


# --- rules -----------------------------------------------------------------------------------


def _staff_ids_of_my_departments(access: UserAccess):
    from org.models import PositionAssignment

    return PositionAssignment.objects.filter(
        position__department_id__in=access.department_ids
    ).values("staff_id")


def _me(path: str) -> Rule:
    """``path`` names a staff member: the user's own record."""
    return lambda a: Q(**{f"{path}__user_id": a.user_id})


def _by_user(path: str) -> Rule:
    return lambda a: Q(**{f"{path}_id": a.user_id})


def _in_my_departments(path: str) -> Rule:
    return lambda a: Q(**{f"{path}_id__in": a.department_ids})


def _staff_in_my_departments(path: str) -> Rule:
    return lambda a: Q(**{f"{path}_id__in": _staff_ids_of_my_departments(a)})


def _any(*rules: Rule) -> Rule:
    def rule(access):
        condition = rules[0](access)
        for other in rules[1:]:
            condition |= other(access)
        return condition

    return rule


def register() -> None:
    from org.access import register_model_access
    from org.office.models import (
        ActionItem,
        Meeting,
        MeetingAttendee,
        Notice,
        NoticeReceipt,
        NoticeTarget,
        RotaShift,
        TrainingRecord,
        TrainingSession,
    )

    policy = KeeperPolicy()

    def keep(model, access):
        register_model_access(model, access)
        register_policy(model, policy)

    # notices: recipients read theirs; the registrar (and their department's keepers) keep them
    def notice_keepers(p=""):
        own = _by_user(f"{p}registered_by")
        return {
            "keeper_own": own,
            "keeper_department": _any(own, _in_my_departments(f"{p}department")),
        }

    def received(p=""):
        from org.office.models import NoticeReceipt as Receipt

        return lambda a: Q(
            **{f"{p}pk__in": Receipt.objects.filter(staff__user_id=a.user_id).values("notice_id")}
        )

    def received_in_my_departments(a):
        from org.office.models import NoticeReceipt as Receipt

        return Q(
            pk__in=Receipt.objects.filter(staff_id__in=_staff_ids_of_my_departments(a)).values(
                "notice_id"
            )
        ) | received()(a)

    keep(
        Notice,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_NOTICE,
            own=received(),
            department=_any(received_in_my_departments, _in_my_departments("department")),
            **notice_keepers(),
        ),
    )
    keep(
        NoticeTarget,
        KeeperAccess(
            view=C.ORG_CHANGE_NOTICE, change=C.ORG_CHANGE_NOTICE, **notice_keepers("notice__")
        ),
    )
    keep(
        NoticeReceipt,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_NOTICE,
            own=_me("staff"),
            department=_staff_in_my_departments("staff"),
            **notice_keepers("notice__"),
        ),
    )

    # meetings: attendees, the chair and the owners of items read them; keepers record them
    def meeting_keepers(p=""):
        own = _by_user(f"{p}recorded_by")
        return {
            "keeper_own": own,
            "keeper_department": _any(own, _in_my_departments(f"{p}department")),
        }

    def took_part(p=""):
        return lambda a: (
            Q(**{f"{p}attendance__staff__user_id": a.user_id})
            | Q(**{f"{p}chair__user_id": a.user_id})
            | Q(**{f"{p}items__owner__user_id": a.user_id})
        )

    def meetings_of_mine(p=""):
        from org.office.models import Meeting as M

        return lambda a: Q(**{f"{p}pk__in": M.objects.filter(took_part()(a)).values("pk")})

    def meetings_of_my_departments(a):
        """Meetings an attendee, the chair or an item's owner of my departments took part in."""
        from org.office.models import Meeting as M

        staff = _staff_ids_of_my_departments(a)
        return Q(
            pk__in=M.objects.filter(
                Q(attendance__staff_id__in=staff)
                | Q(chair_id__in=staff)
                | Q(items__owner_id__in=staff)
            ).values("pk")
        ) | meetings_of_mine()(a)

    keep(
        Meeting,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_MEETING,
            own=meetings_of_mine(),
            department=_any(meetings_of_my_departments, _in_my_departments("department")),
            **meeting_keepers(),
        ),
    )
    keep(
        MeetingAttendee,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_MEETING,
            own=_me("staff"),
            department=_any(_me("staff"), _in_my_departments("meeting__department")),
            **meeting_keepers("meeting__"),
        ),
    )
    keep(
        ActionItem,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_MEETING,
            own=_me("owner"),
            department=_any(
                _staff_in_my_departments("owner"), _in_my_departments("meeting__department")
            ),
            **meeting_keepers("meeting__"),
        ),
    )

    # training: trainees and the trainer read it; the trainers' and HR's keepers record it
    def training_keepers(p=""):
        own = _any(_by_user(f"{p}recorded_by"), _me(f"{p}trainer"))
        return {
            "keeper_own": own,
            "keeper_department": _any(own, _in_my_departments(f"{p}department")),
        }

    def trained(p=""):
        from org.office.models import TrainingSession as S

        return lambda a: Q(
            **{
                f"{p}pk__in": S.objects.filter(
                    Q(records__trainee__user_id=a.user_id) | Q(trainer__user_id=a.user_id)
                ).values("pk")
            }
        )

    def trained_in_my_departments(a):
        from org.office.models import TrainingSession as S

        staff = _staff_ids_of_my_departments(a)
        return Q(
            pk__in=S.objects.filter(
                Q(records__trainee_id__in=staff) | Q(trainer_id__in=staff)
            ).values("pk")
        ) | trained()(a)

    keep(
        TrainingSession,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_TRAINING,
            own=trained(),
            department=_any(trained_in_my_departments, _in_my_departments("department")),
            **training_keepers(),
        ),
    )
    keep(
        TrainingRecord,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_TRAINING,
            own=_any(_me("trainee"), _me("session__trainer")),
            department=_any(
                _staff_in_my_departments("trainee"), _in_my_departments("session__department")
            ),
            **training_keepers("session__"),
        ),
    )

    # the rota: each person reads their shifts; the department's keepers plan and mark them
    keep(
        RotaShift,
        KeeperAccess(
            view=C.ORG_VIEW_STAFF,
            change=C.ORG_CHANGE_ROTA,
            own=_me("staff"),
            department=_any(_me("staff"), _in_my_departments("department")),
            keeper_own=_in_my_departments("department"),
            keeper_department=_in_my_departments("department"),
        ),
    )
