"""Bench data: ``manage.py seed_bench`` (issue #15) and ``make bench`` (issue #13).

A realistic volume on top of whatever the database holds: bench dealerships spread across dealer
groups of one or two brands, each with its org chart, its staff and a month of records written
in bulk (``bulk_create`` inside the dealership's scope, no services, no audit entries, no
notifications: what a restore would bring back).

The platform imports no app, so every app adds its part with :func:`register_bench_seeder` from
its ``AppConfig.ready()`` (in ``<app>/bench.py``): a function seeding one dealership's month from
the shared :class:`BenchMonth` (the dealership, the period, the scale, a seeded random generator,
the rows counted by model, and ``kept``, where a seeder leaves rows for the later ones: staff by
position, customers, customer events…), run in ``order``. A module that adds models adds their
bench data in the same change.

The first dealership of each brand is generated in Python; the others get a copy of it made by
PostgreSQL (:func:`clone_month`: ``INSERT … SELECT`` with new ids, each row referring to its own
dealership's rows), which takes a second instead of many.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

PREFIX = "bench"
BRAND_CODES = ("bench-brand", "bench-brand-2")
GROUP_PREFIX = "bench-group"
UNUSABLE = "!"  # an unusable password hash: only the bench logins may sign in
BENCH_PASSWORD = "bench-password"  # noqa: S105 (documented, bench databases only)  # nosec B105


@dataclass(frozen=True)
class Scale:
    """One dealership's month (a year is twelve of them)."""

    deliveries: int = 300
    repair_orders: int = 3000
    followups: int = 5000
    stock: int = 180  # cars at the dealership or on their way at the month's end
    competitor_observations: int = 60
    advertising_spends: int = 12
    complaint_rate: float = 0.012  # of the follow-ups
    finance_requests: int = 300  # finance requests with their approvals, in every state

    @property
    def earlier_repair_orders(self) -> int:
        """Repair orders closed at the end of the previous month, whose follow-ups make up the
        month's follow-ups beyond one per delivery and repair order of the month."""
        return max(self.followups - self.deliveries - self.repair_orders, 0)


SCALES = {
    "full": Scale(),
    "tiny": Scale(
        deliveries=10,
        repair_orders=30,
        followups=50,
        stock=12,
        competitor_observations=5,
        advertising_spends=3,
        finance_requests=40,
    ),
}

# --- what every seeder draws from -----------------------------------------------------------------

BRANDS = {  # code: (zh, en, OEM zh, VIN maker code, models: model, trim, list price, weight)
    BRAND_CODES[0]: (
        "起亚",
        "Kia (bench)",
        "东风悦达起亚汽车有限公司",
        "LJD",
        [
            ("K3", "1.5L CVT 智享版", Decimal("119800"), 30),
            ("K5凯酷", "2.0L 豪华版", Decimal("179800"), 18),
            ("狮铂拓界", "1.5T 舒适版", Decimal("169800"), 22),
            ("EV5", "长续航版", Decimal("149800"), 12),
            ("嘉华", "1.5T 尊享版", Decimal("259800"), 6),
            ("索奈", "1.5L 两驱版", Decimal("89800"), 12),
        ],
    ),
    BRAND_CODES[1]: (
        "广汽丰田",
        "GAC Toyota (bench)",
        "广汽丰田汽车有限公司",
        "LVG",
        [
            ("凯美瑞", "2.0G 豪华版", Decimal("179800"), 25),
            ("雷凌", "1.5L 进取版", Decimal("113800"), 25),
            ("汉兰达", "2.0T 四驱至尊版", Decimal("269800"), 12),
            ("威兰达", "2.0L 两驱领先版", Decimal("169800"), 18),
            ("致炫", "1.5L 豪华版", Decimal("79800"), 12),
            ("bZ4X", "长续航版", Decimal("199800"), 8),
        ],
    ),
}
COLOURS = ["珍珠白", "曜石黑", "铂金银", "星光蓝", "熔岩红"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚文华红鹏婷俊晨凯"


def weighted(rng: random.Random, items, weight_index: int = -1):
    """``pick(k)``: ``k`` items drawn with the weights in column ``weight_index``."""
    weights = [item[weight_index] for item in items]
    return lambda k=1: rng.choices(items, weights=weights, k=k)


def person_name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


class BenchMonth:
    """One dealership's month, written in bulk inside its scope by the registered seeders."""

    def __init__(self, dealership, number: int, period, scale: Scale):
        self.dealership = dealership
        self.number = number  # the bench dealership's number (in phone numbers, VINs, plates)
        self.period = period
        self.scale = scale
        self.rng = random.Random(f"{dealership.code}:{period.key}")  # noqa: S311 # nosec B311
        self.zone = dealership.zoneinfo
        self.days = [
            period.start + dt.timedelta(days=n) for n in range((period.end - period.start).days + 1)
        ]
        self.rows: dict[str, int] = {}  # rows written, by model label
        self.kept: dict[str, object] = {}  # what a seeder leaves for the later ones
        brand = BRANDS.get(dealership.brand.code, BRANDS[BRAND_CODES[0]])
        self.vin_maker, self.car_models = brand[3], brand[4]

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """``day`` at ``hour:minute`` in the dealership's time zone."""
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    def holders(self, code: str) -> list:
        """The active users holding position ``code`` (the GM when nobody holds it), as the
        staff seeder left them in ``kept["staff_by_position"]``."""
        staff = self.kept["staff_by_position"]
        return staff.get(code) or staff["gm"]

    def name(self) -> str:
        return person_name(self.rng)

    def bulk(self, model, objs: list, batch_size: int = 2000) -> list:
        """``bulk_create`` the rows (ids set on them) and count them."""
        created = model.objects.bulk_create(objs, batch_size=batch_size)
        label = model._meta.label
        self.rows[label] = self.rows.get(label, 0) + len(created)
        return created


# --- the registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenericReference:
    """A (type, id) pair of columns pointing at a row of another model, e.g. a customer event's
    ``source_type = "sales.delivery"`` / ``source_id``: the clone moves the id with that model."""

    model: str  # the label of the model holding the pair, e.g. "crm.CustomerEvent"
    type_field: str
    id_field: str
    type_value: str
    target: str  # the label of the model pointed at


@dataclass(frozen=True)
class BenchSeeder:
    code: str
    seed: Callable[[BenchMonth], None]
    order: int = 100
    models: tuple[str, ...] = ()  # labels of the models it writes, in insertion order
    matched: dict[str, tuple[str, ...]] = field(default_factory=dict)  # template rows, natural key
    references: tuple[GenericReference, ...] = ()
    after_clone: Callable | None = None  # (source, target) → None, inside the target's scope


_seeders: dict[str, BenchSeeder] = {}
_logins: list[Callable] = []


def register_bench_seeder(
    code: str,
    seed: Callable[[BenchMonth], None],
    *,
    order: int = 100,
    models: tuple[str, ...] = (),
    matched: dict[str, tuple[str, ...]] | None = None,
    references: tuple[GenericReference, ...] = (),
    after_clone: Callable | None = None,
) -> None:
    """Add an app's part of a dealership's month (called from ``AppConfig.ready()``).

    ``models``: every model ``seed`` writes rows of (the clone copies them); ``matched``: rows
    of the dealership's own set-up they refer to (template rows such as positions), with the
    fields naming them the same in every dealership; ``references``: generic (type, id) pairs;
    ``after_clone``: what to put right in a copy (e.g. ids kept inside JSON)."""
    _seeders[code] = BenchSeeder(
        code, seed, order, tuple(models), dict(matched or {}), tuple(references), after_clone
    )


def register_bench_logins(provider: Callable) -> None:
    """``provider(dealership, password_hash)`` → ``[(persona, user)]``: bench logins among the
    seeded people of bench dealership 1 (made usable with the bench password)."""
    if provider not in _logins:
        _logins.append(provider)


def bench_seeders() -> list[BenchSeeder]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.code))


# --- dealerships ----------------------------------------------------------------------------------


def _group_of(n: int, count: int, groups: int) -> int:
    """Dealership ``n`` (1-based) of ``count`` goes to group 1..``groups``, in blocks."""
    return (n - 1) * groups // max(count, 1) + 1


def bench_dealerships(count: int, groups: int = 5):
    """``count`` bench dealerships with the org chart template applied (made when missing; the
    existing ones are kept where they are), spread across ``groups`` dealer groups; even groups
    sell both bench brands, odd ones the first (so one group is of one brand). Returns ``(groups, dealerships)``."""
    from dealership.models import Brand, DealerGroup, Dealership
    from dealership.services import dealership_initialize
    from dealership.tenancy import system_context

    groups = max(1, min(groups, count))
    with system_context():
        brands = [
            Brand.objects.get_or_create(
                code=code, defaults={"name_zh": zh, "name_en": en, "oem_name_zh": oem}
            )[0]
            for code, (zh, en, oem, _maker, _models) in BRANDS.items()
        ]
        made = {}
        for g in range(1, groups + 1):
            made[g], _created = DealerGroup.objects.get_or_create(
                code=f"{GROUP_PREFIX}-{g:02d}",
                defaults={"name_zh": f"基准测试集团{g:02d}", "name_en": f"Bench group {g:02d}"},
            )
    dealerships = []
    for n in range(1, count + 1):
        code = f"{PREFIX}-{n:03d}"
        g = _group_of(n, count, groups)
        with system_context():
            dealership = Dealership.objects.select_related("brand", "group").filter(code=code)
            dealership = dealership.first()
            created = dealership is None
            if created:
                first_in_group = next(
                    m for m in range(1, n + 1) if _group_of(m, count, groups) == g
                )
                two_brands = g % 2 == 0
                brand = brands[(n - first_in_group) % 2] if two_brands else brands[0]
                dealership = Dealership.objects.create(
                    code=code,
                    login_prefix=f"{PREFIX}{n:03d}",
                    name_zh=f"基准测试{n:03d}号{brand.name_zh}4S店",
                    name_en=f"Bench {brand.name_en} store {n:03d}",
                    brand=brand,
                    group=made[g],
                    address="湖北省武汉市江汉区发展大道1号",
                )
        if created:
            dealership_initialize(dealership=dealership)
        dealerships.append(dealership)
    return list(made.values()), dealerships


def is_seeded(dealership) -> bool:
    """Seeded dealerships have members (the staff seeder's); set-up alone makes none."""
    from dealership.models import Membership

    return Membership.objects.filter(dealership=dealership).exists()


@contextlib.contextmanager
def replica_mode():
    """Writes without the triggers of foreign keys (``session_replication_role = replica``, as
    a restore of a dump does; the seed is consistent by construction and checked by the
    application's own scope checks), when the role may (a superuser); else as they are."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        replica = True
    except DatabaseError:
        replica = False
    try:
        yield replica
    finally:
        if replica:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


def seed_month(dealership, number: int, period, scale: Scale) -> BenchMonth:
    """Every registered seeder on ``dealership``'s month, in one transaction."""
    from django.db import transaction

    from dealership.tenancy import dealership_context

    month = BenchMonth(dealership, number, period, scale)
    with dealership_context(dealership), transaction.atomic():
        for seeder in bench_seeders():
            seeder.seed(month)
    return month


# --- cloning --------------------------------------------------------------------------------------


def _cloned_models() -> list:
    from django.apps import apps

    found, seen = [], set()
    for seeder in bench_seeders():
        for label in seeder.models:
            if label not in seen:
                seen.add(label)
                found.append(apps.get_model(label))
    return found


def _source_filter(model, source) -> str:
    """SQL: the rows (alias ``s``) of ``model`` that belong to ``source``'s month."""
    from django.db import connection

    from dealership.models import Membership, User

    if model is User:
        return (
            f"s.id IN (SELECT user_id FROM {connection.ops.quote_name(Membership._meta.db_table)} "  # noqa: S608  # nosec B608 (model metadata)
            f"WHERE dealership_id = {int(source.pk)})"
        )
    return f"s.dealership_id = {int(source.pk)}"


@dataclass(frozen=True)
class ClonePlan:
    """Where the copies of ``copies`` clones go: a copied row's id is
    ``base + (its id - its source's lowest id) × copies + slot`` (per table; each clone its own
    ``slot``), so the copies of the sources' n-th rows sit side by side and the dealerships'
    rows interleave by age, as they do in a real database, where the dealerships work at the
    same time (not one block of ids per dealership, which made the bench's newest-first lists
    read every other dealership's rows before the ones of the first dealerships)."""

    bases: dict[str, int]  # label → the table's highest id before the copies, plus one
    lows: dict[tuple[int, str], int]  # (source id, label) → the source's lowest id there
    copies: int

    def new_id(self, label: str, column: str, source, slot: int) -> str:
        low = self.lows[(source.pk, label)]
        return f"({self.bases[label]} + ({column} - {low}) * {self.copies} + {slot})"


def clone_plan(sources, copies: int) -> ClonePlan:
    """The :class:`ClonePlan` of ``copies`` clones of ``sources``' months (every source seeded
    before the first clone): each table's ids after its highest."""
    from django.db import connection

    from dealership.tenancy import system_context

    bases, lows = {}, {}
    with system_context(), connection.cursor() as cursor:
        for model in _cloned_models():
            label = model._meta.label
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608  # nosec B608 (model metadata)
            bases[label] = int(cursor.fetchone()[0])
            for source in sources:
                cursor.execute(
                    f"SELECT coalesce(min(s.id), 0) FROM {table} s "  # noqa: S608  # nosec B608 (model metadata)
                    f"WHERE {_source_filter(model, source)}"
                )
                lows[(source.pk, label)] = int(cursor.fetchone()[0])
    return ClonePlan(bases, lows, max(1, copies))


def clone_month(source, target, *, plan: ClonePlan | None = None, slot: int = 0) -> int:
    """Copy ``source``'s seeded month into ``target`` (set up, not seeded); the rows copied.

    Each row gets a new id (``plan``'s, as the clone numbered ``slot``; by default after the
    table's highest); a reference to a copied model moves with it, one to a row of the
    dealership's own set-up (``matched``) is mapped by natural key, one to a platform row (a
    brand, a user not copied) is kept. Logins are renamed from the source's prefix to the
    target's (another name gets the target's prefix)."""
    from django.apps import apps
    from django.db import connection, transaction

    from dealership.models import Dealership, User
    from dealership.tenancy import dealership_context, system_context

    seeders = bench_seeders()
    models = _cloned_models()
    matched = {label: keys for s in seeders for label, keys in s.matched.items()}
    references: dict[tuple[str, str], list[GenericReference]] = {}
    for seeder in seeders:
        for ref in seeder.references:
            references.setdefault((ref.model, ref.id_field), []).append(ref)
    quote = connection.ops.quote_name
    with system_context(), transaction.atomic(), connection.cursor() as cursor:
        plan = plan or clone_plan([source], 1)
        copied_labels = {model._meta.label for model in models}
        maps = {}
        for n, (label, keys) in enumerate(matched.items()):
            model = apps.get_model(label)
            rows = model._base_manager.filter(dealership__in=[source.pk, target.pk])
            mine, theirs = {}, {}
            for pk, dealership_id, *key in rows.values_list("pk", "dealership_id", *keys):
                (mine if dealership_id == source.pk else theirs)[tuple(key)] = pk
            name = f"bench_map_{n}"
            cursor.execute(f"CREATE TEMP TABLE {name} (old bigint PRIMARY KEY, new bigint)")
            pairs = [(pk, theirs[key]) for key, pk in mine.items() if key in theirs]
            if pairs:
                cursor.executemany(f"INSERT INTO {name} VALUES (%s, %s)", pairs)  # noqa: S608  # nosec B608 (model metadata)
            maps[label] = name
        source_prefix, target_prefix = f"{source.login_prefix}_", f"{target.login_prefix}_"
        copied = 0
        for model in models:
            columns, values, params = [], [], []
            label = model._meta.label
            for f in model._meta.concrete_fields:
                if f.generated:  # kept by the database (e.g. the search's reversed twins)
                    continue
                column = quote(f.column)
                columns.append(column)
                if f.primary_key:
                    values.append(plan.new_id(label, f"s.{column}", source, slot))
                elif f.is_relation and f.related_model is Dealership:
                    values.append(str(int(target.pk)))
                elif f.is_relation:
                    related = f.related_model._meta.label
                    if related in copied_labels:
                        values.append(plan.new_id(related, f"s.{column}", source, slot))
                    elif related in maps:
                        mapped = f"(SELECT new FROM {maps[related]} WHERE old = s.{column})"  # noqa: S608  # nosec B608 (model metadata)
                        values.append(mapped)
                    elif related.startswith("dealership."):
                        values.append(f"s.{column}")  # a platform row
                    else:  # a tenant row the seeding never refers to
                        values.append("NULL")
                elif model is User and f.name == "password":
                    values.append("%s")  # only the bench logins of dealership 1 sign in
                    params.append(UNUSABLE)
                elif model is User and f.name in ("username", "email"):
                    values.append(
                        f"CASE WHEN starts_with(s.{column}, %s) THEN replace(s.{column}, %s, %s) "
                        f"ELSE %s || s.{column} END"
                    )
                    params += [source_prefix, source_prefix, target_prefix, target_prefix]
                elif (label, f.name) in references:
                    refs = references[(label, f.name)]
                    type_column = quote(model._meta.get_field(refs[0].type_field).column)
                    cases = " ".join(
                        f"WHEN '{ref.type_value}' THEN "
                        f"{plan.new_id(ref.target, f's.{column}', source, slot)}"
                        for ref in refs
                        if ref.target in copied_labels
                    )
                    values.append(
                        f"CASE s.{type_column} {cases} ELSE s.{column} END"
                        if cases
                        else f"s.{column}"
                    )
                else:
                    values.append(f"s.{column}")
            table = quote(model._meta.db_table)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608  # nosec B608 (model metadata)
                f"FROM {table} s WHERE {_source_filter(model, source)} ORDER BY s.id",
                params,
            )
            copied += cursor.rowcount
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608  # nosec B608 (model metadata)
                [model._meta.db_table],
            )
        for name in maps.values():
            cursor.execute(f"DROP TABLE {name}")
    fixes = [s.after_clone for s in seeders if s.after_clone]
    if fixes:
        with dealership_context(target), transaction.atomic():
            for fix in fixes:
                fix(source, target)
    return copied


# --- the whole bench ------------------------------------------------------------------------------


@dataclass
class BenchLogin:
    persona: str  # "own" | "department" | "gm" | "hq"
    username: str
    password: str
    dealership: str

    def as_dict(self) -> dict:
        return {
            "persona": self.persona,
            "username": self.username,
            "password": self.password,
            "dealership": self.dealership,
        }


@dataclass
class BenchResult:
    groups: list
    dealerships: list
    logins: list[BenchLogin] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # generated rows by model label
    copied: int = 0  # rows copied by the clone
    seeded: list = field(default_factory=list)  # the dealerships seeded by this run


def bench_logins(dealership, password: str) -> list[BenchLogin]:
    """The route benchmark's logins, all in ``dealership`` (bench dealership 1) or its group,
    with ``password``: the apps' (e.g. the org chart's consultant, manager and GM) and the
    group's HQ director. Idempotent."""
    from django.contrib.auth.hashers import make_password

    from dealership.models import GroupMembership, User
    from dealership.tenancy import dealership_context, system_context

    hashed = make_password(password)
    logins = []
    with dealership_context(dealership):
        for provider in _logins:
            for persona, user in provider(dealership, hashed):
                logins.append(BenchLogin(persona, user.username, password, dealership.code))
    if dealership.group_id:
        with system_context():
            user, _created = User.objects.update_or_create(
                username=f"{PREFIX}_hq",
                defaults={"name": "基准测试总部", "email": f"{PREFIX}_hq@bench.invalid"},
            )
            user.password = hashed
            user.save(update_fields=["password"])
            GroupMembership.objects.update_or_create(
                user=user,
                group_id=dealership.group_id,
                defaults={"position_code": "hq_director", "is_active": True},
            )
        logins.append(BenchLogin("hq", user.username, password, dealership.code))
    return logins


def refresh_statistics() -> None:
    """``ANALYZE`` on PostgreSQL after a bulk load, as autovacuum would in time (and never does
    where it is off): without it the planner takes a table of a million rows for an empty one
    and the bench measures plans production would not run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def seed_bench(
    *,
    dealerships: int = 50,
    groups: int = 5,
    period=None,
    scale: Scale | str = "full",
    clone: bool = True,
    password: str | None = BENCH_PASSWORD,
    log: Callable[[str], None] = lambda _line: None,
) -> BenchResult:
    """``dealerships`` bench dealerships across ``groups`` groups, each with a month
    (``period``, default the previous one) of ``scale``; those already seeded are kept. The
    first of each brand is generated, the others (with ``clone``) copies of it. With
    ``password``, the bench logins in bench dealership 1 (``BenchResult.logins``)."""
    import time

    from django.utils import timezone

    from dealership.reports.periods import Period
    from dealership.reports.registry import MONTH

    if isinstance(scale, str):
        scale = SCALES[scale]
    if period is None:
        period = Period.containing(MONTH, timezone.localdate()).previous()
    started = time.perf_counter()
    made_groups, made = bench_dealerships(dealerships, groups)
    result = BenchResult(made_groups, made)
    log(f"{dealerships} dealerships with the org chart: {time.perf_counter() - started:.1f} s")
    sources: dict[int, object] = {}  # brand id → the dealership generated for it
    copies = []  # (source, target): cloned once every source is seeded
    for n, dealership in enumerate(made, start=1):
        if is_seeded(dealership):
            sources.setdefault(dealership.brand_id, dealership)
            continue
        source = sources.get(dealership.brand_id) if clone else None
        if source is not None:
            copies.append((source, dealership))
            continue
        t = time.perf_counter()
        month = seed_month(dealership, n, period, scale)
        sources.setdefault(dealership.brand_id, dealership)
        for label, rows in month.rows.items():
            result.rows[label] = result.rows.get(label, 0) + rows
        log(
            f"  seeded {dealership.code}: {sum(month.rows.values()):,} rows "
            f"in {time.perf_counter() - t:.1f} s"
        )
        result.seeded.append(dealership)
    if copies:
        plan = clone_plan({source for source, _target in copies}, len(copies))
        for slot, (source, dealership) in enumerate(copies):
            t = time.perf_counter()
            rows = clone_month(source, dealership, plan=plan, slot=slot)
            result.copied += rows
            log(
                f"  copied {source.code} into {dealership.code}: {rows:,} rows in {time.perf_counter() - t:.1f} s"
            )
            result.seeded.append(dealership)
    if result.rows or result.copied:
        log(
            f"seeded {sum(result.rows.values()) + result.copied:,} rows in "
            f"{time.perf_counter() - started:.1f} s; generated: "
            + ", ".join(f"{label} {rows:,}" for label, rows in sorted(result.rows.items()))
        )
    if result.seeded:
        t = time.perf_counter()
        refresh_statistics()
        log(f"statistics of the tables refreshed (ANALYZE): {time.perf_counter() - t:.1f} s")
    if password and made:
        result.logins = bench_logins(made[0], password)
    from dealership import access_cache

    access_cache.forget()  # people and positions were copied in SQL, past the cache's signals
    return result


def recreate_database(*, keep: bool = False) -> bool:
    """Drop and create the database DATABASE_URL names (connected to ``postgres`` as its owner),
    for the benchmarks' throw-away databases; with ``keep``, only create it when it is missing.
    True when it was created."""
    import psycopg
    import psycopg.sql
    from django.db import connection

    params = connection.settings_dict
    name = params["NAME"]
    conninfo = {
        "dbname": "postgres",
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
    }
    connection.close()
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as admin:
        quoted = psycopg.sql.Identifier(name)
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if keep and exists:
            return False
        admin.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
        admin.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(quoted))
        return True
