"""Reads of the org chart for the reports (:mod:`org.reports`): the month's personnel movements —
who was employed at the start and at the end of a period, who joined and who left, by department
and position. Read through ``Model.objects.for_user(actor, "view")`` in a fixed number of queries
whatever the number of people."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from org.models import Position, PositionAssignment, StaffMember


@dataclass
class Movement:
    """A joiner or a leaver of the period."""

    name: str
    employee_no: str
    department: str
    position: str
    joined: bool  # False: left
    on: dt.date


@dataclass
class Counts:
    opening: int = 0
    joiners: int = 0
    leavers: int = 0
    closing: int = 0


@dataclass
class PositionRow:
    department: str
    position: str
    counts: Counts


@dataclass
class Personnel:
    """The period's headcount: ``positions`` in chart order (every position of the chart, so a
    vacancy shows as 0; people without a position last), ``departments`` the same summed by
    department, ``movements`` the joiners and leavers by date."""

    start: dt.date
    end: dt.date
    total: Counts = field(default_factory=Counts)
    departments: list[tuple[str, Counts]] = field(default_factory=list)
    positions: list[PositionRow] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)


def _employed_on(day: dt.date, start: dt.date, end: dt.date | None) -> bool:
    """Employed at the end of ``day``: started on or before it and not left by then (a person
    whose last day is ``day`` has left)."""
    return start <= day and (end is None or end > day)


def personnel_movements(actor, start: dt.date, end: dt.date) -> Personnel:
    """Headcount at the start (the evening before ``start``) and at the end of ``end``, joiners
    (first day within the period) and leavers (last day within it), by the department and
    position each person held — the primary position held at the end of the period (or on
    their last day), in three queries. Month-end = opening + joiners − leavers."""
    people = list(
        StaffMember.objects.for_user(actor, "view")
        .filter(start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start - dt.timedelta(days=1)))
        .select_related("user")
        .order_by("employee_no")
    )
    positions = list(
        Position.objects.for_user(actor, "view")
        .select_related("department")
        .order_by("department__order", "department__code", "order", "code")
    )
    held: dict[int, list[PositionAssignment]] = defaultdict(list)
    for assignment in PositionAssignment.objects.for_user(actor, "view").filter(
        staff__in=[p.pk for p in people]
    ):
        held[assignment.staff_id].append(assignment)

    by_id = {position.pk: position for position in positions}
    counts: dict[int | None, Counts] = defaultdict(Counts)
    result = Personnel(start=start, end=end)
    for person in people:
        last_day = min(end, person.end_date) if person.end_date else end
        assignments = [a for a in held[person.pk] if a.position_id in by_id]
        # the position held on the last day counted (since then); any held otherwise
        assignments.sort(
            key=lambda a: (a.since > last_day, not a.is_primary, by_id[a.position_id].order)
        )
        position = by_id[assignments[0].position_id] if assignments else None
        row = counts[position.pk if position else None]
        opening = _employed_on(start - dt.timedelta(days=1), person.start_date, person.end_date)
        closing = _employed_on(end, person.start_date, person.end_date)
        joined = start <= person.start_date <= end
        left = person.end_date is not None and start <= person.end_date <= end
        row.opening += opening
        row.closing += closing
        row.joiners += joined
        row.leavers += left
        for happened, on, is_joining in (
            (joined, person.start_date, True),
            (left, person.end_date, False),
        ):
            if happened:
                result.movements.append(
                    Movement(
                        name=person.user.get_full_name() or person.user.username,
                        employee_no=person.employee_no,
                        department=position.department.name if position else "",
                        position=position.name if position else "",
                        joined=is_joining,
                        on=on,
                    )
                )
    result.movements.sort(key=lambda m: (m.on, not m.joined, m.employee_no))

    departments: dict[int, tuple[str, Counts]] = {}
    for position in positions:
        row = counts.get(position.pk, Counts())
        result.positions.append(PositionRow(position.department.name, position.name, row))
        _name, total = departments.setdefault(
            position.department_id, (position.department.name, Counts())
        )
        _add(total, row)
    result.departments = list(departments.values())
    if None in counts:  # people holding no position of the chart
        result.positions.append(PositionRow("", "", counts[None]))
        result.departments.append(("", counts[None]))
    for _name, row in result.departments:
        _add(result.total, row)
    return result


def _add(total: Counts, row: Counts) -> None:
    total.opening += row.opening
    total.joiners += row.joiners
    total.leavers += row.leavers
    total.closing += row.closing
