"""The org chart's bench data (``dealership.bench``): about 80 people in the template's positions
with the month's joiners and leavers, and the bench logins of bench dealership 1."""

from __future__ import annotations

import datetime as dt

from dealership.bench import UNUSABLE, BenchMonth, register_bench_logins, register_bench_seeder

HOLDERS = {  # positions with more than one holder (the others have one)
    "sales_consultant": 12,
    "service_advisor": 8,
    "technician": 20,
    "sales_followup_specialist": 2,
    "service_followup_specialist": 4,
    "cr_specialist": 2,
    "parts_salesperson": 2,
}
LEAVERS = 3
JOINERS = 4
# persona → the position whose first active holder is the login (data scope in the template:
# the consultant sees their own rows, the sales manager their department's, the GM everything)
LOGINS = {"own": "sales_consultant", "department": "sales_manager", "gm": "gm"}
USERNAMES = {"own": "bench_consultant", "department": "bench_manager", "gm": "bench_gm"}


def seed_staff(month: BenchMonth) -> None:
    """The people of the month: ``kept["staff_by_position"]`` (code → active users) and
    ``kept["positions"]`` (code → position) for the later seeders."""
    from dealership.models import Membership, User
    from org.models import Position, PositionAssignment, StaffMember

    dealership = month.dealership
    positions = list(Position.objects.select_related("department").order_by("pk"))
    plan = [p for p in positions for _n in range(HOLDERS.get(p.code, 1))]
    prefix = dealership.login_prefix
    users = month.bulk(
        User,
        [
            User(
                username=f"{prefix}_{n:03d}",
                name=month.name(),
                email=f"{prefix}_{n:03d}@bench.invalid",
                password=UNUSABLE,
            )
            for n in range(1, len(plan) + LEAVERS + 1)
        ],
    )
    month.bulk(Membership, [Membership(user=u, dealership=dealership) for u in users])
    staff = []
    for n, user in enumerate(users):
        left = n >= len(users) - LEAVERS
        joined = not left and n >= len(users) - LEAVERS - JOINERS
        start = (
            month.rng.choice(month.days)
            if joined
            else month.period.start - dt.timedelta(days=month.rng.randint(40, 2000))
        )
        staff.append(
            StaffMember(
                dealership=dealership,
                user=user,
                employee_no=f"E{n + 1:04d}",
                phone=f"186{month.number:03d}{n:05d}",
                start_date=start,
                end_date=month.rng.choice(month.days) if left else None,
                is_active=not left,
            )
        )
    staff = month.bulk(StaffMember, staff)
    assignments = []
    by_position: dict[str, list] = {}
    for n, member in enumerate(staff):
        # the leavers held a job of the template too
        position = plan[n] if n < len(plan) else positions[n % len(positions)]
        assignments.append(
            PositionAssignment(
                dealership=dealership,
                staff=member,
                position=position,
                is_primary=True,
                since=member.start_date,
            )
        )
        if member.is_active:
            by_position.setdefault(position.code, []).append(member.user)
    month.bulk(PositionAssignment, assignments)
    month.kept["staff_by_position"] = by_position
    month.kept["positions"] = {p.code: p for p in positions}


def bench_logins(dealership, password_hash: str) -> list[tuple[str, object]]:
    """The consultant, the sales manager and the GM of ``dealership`` (its first active holder
    of each position, who owns the seeded rows of that position), renamed to the bench logins
    and given the bench password; run again, the same people."""
    from dealership.models import User
    from org.models import PositionAssignment

    found = []
    for persona, code in LOGINS.items():
        username = USERNAMES[persona]
        user = User.objects.filter(username=username, memberships__dealership=dealership).first()
        if user is None:
            assignment = (
                PositionAssignment.objects.filter(
                    position__code=code, staff__is_active=True, staff__end_date__isnull=True
                )
                .select_related("staff__user")
                .order_by("pk")
                .first()
            )
            if assignment is None:
                continue
            user = assignment.staff.user
            user.username, user.email = username, f"{username}@bench.invalid"
        user.password = password_hash
        user.save(update_fields=["username", "email", "password"])
        found.append((persona, user))
    return found


def register() -> None:
    register_bench_seeder(
        "org.staff",
        seed_staff,
        order=10,
        models=(
            "dealership.User",
            "dealership.Membership",
            "org.StaffMember",
            "org.PositionAssignment",
        ),
        matched={"org.Position": ("code",), "org.Department": ("code",)},
    )
    register_bench_logins(bench_logins)
