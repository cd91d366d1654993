"""``make bench``: seed a realistic month and time the OEM monthly pack (issue #13).

It seeds with ``manage.py seed_bench``'s code (:mod:`dealership.bench` and each app's
``bench.py``), the dealerships in one group of two brands. Per dealership, in bulk
(``bulk_create`` inside the dealership's scope, no services): about 80 staff with the month's joiners and leavers, 300 deliveries (customer, lead, order,
stock car, crm vehicle and ownership, delivery), the stock left at the month's end (cars of
every age, some in transit), 3,000 closed repair orders of every type (5K/10K services,
repairs, warranty with its claim, accidents) with their labour and part lines, 5,000 follow-up
calls (one per delivery and repair order of the month, the rest of the previous month's last
repair orders) with call attempts, SSI/CSI surveys and a few complaints, competitor
observations and advertising spends, finance requests with their approvals. The first
dealership of each brand is generated in Python; the others get a copy of it made by PostgreSQL (``INSERT … SELECT`` with new ids, each referring to
its own rows; ``--no-clone`` generates every one). The seeding runs as the database's owner
with ``session_replication_role = replica`` when allowed (no foreign-key triggers, as a
restore), the timing as the app's role. Then it times:

* ``pack``: one dealership's OEM monthly pack
  (:func:`dealership.reports.group.oem_pack`: every OEM monthly report gathered, one PDF and
  one workbook);
* ``group N``: the group's export for N dealerships (:func:`group_export_request` and
  :func:`group_export_build`: a sheet per dealership plus the consolidated sheet, one PDF),
* ``export N rows`` (#20): the group HQ's XLSX export of the follow-up list of the largest group
  of at most 10 dealerships (10 × 5,000 = 50,000 rows), made as the background export is
  (:func:`dealership.exports.service.list_export_build`: the list read a page at a time through
  its own view, written in openpyxl's write-only mode),

and prints seconds and peak memory for each, checked against the targets: the pack under
10 s; 50 dealerships under 2 minutes; the export under 5 minutes; linear growth (the time per dealership at the largest
group at most twice that at the smallest). Exit status 1 when a target is missed.

Memory: ``RSS peak`` is the process's resident-set high-water mark during the case, above its
size when the case started (Linux ``/proc/self/status`` ``VmHWM`` reset through
``/proc/self/clear_refs`` before each case; elsewhere ``getrusage`` ``ru_maxrss``, which only
grows). ``Python peak`` is :mod:`tracemalloc`'s peak of Python allocations, taken in a second,
untimed pass (tracemalloc slows allocation-heavy code such as the PDF renderer down several
times, so the timed pass runs without it; ``--no-tracemalloc`` skips the second pass).

Run by ``make bench`` (a throwaway PostgreSQL database, migrated as its owner, the benchmark
then connected as the app's role so row-level security applies as in production; no Redis:
Celery runs eagerly). By hand::

    DJANGO_DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/dealership_bench \\
        .venv/bin/python scripts/bench_reports.py --fresh --app-role erp_app --dealerships 1,10,50
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PACK_TARGET = 10.0  # seconds, one dealership's pack
GROUP_TARGET = 120.0  # seconds, the group export of 50 dealerships
GROUP_TARGET_SIZE = 50
LINEAR_FACTOR = 2.0  # per-dealership time of the largest group ≤ 2 × that of the smallest
EXPORT_TARGET = 300.0  # seconds, the HQ's export of 50,000 follow-ups
EXPORT_GROUP_SIZE = 10  # dealerships whose follow-ups the export holds (5,000 each)

IDLE_GROUP_CODE = "bench-idle"  # dealerships seeded but not in the measured group


# --- set-up ---------------------------------------------------------------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealership.settings")
    import django

    django.setup()
    from django.conf import settings

    # DJANGO_DEBUG=true is only there so the settings start without production secrets: Django
    # would otherwise keep every SQL statement in memory and skew time and memory.
    settings.DEBUG = False


def recreate_database(*, keep: bool = False) -> None:
    from dealership.bench import recreate_database as recreate

    recreate(keep=keep)


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def use_app_role(role: str) -> None:
    """Grant ``role`` the app's privileges and reconnect as it (trust authentication, as
    ``make test``), so row-level security binds the benchmark as it binds the app."""
    from django.db import connection

    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            "NOBYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD="")


# --- seeding ---------------------------------------------------------------------------------------


def seed(count: int, period, scale, *, clone: bool = True, log: Callable[[str], None] = print):
    """``count`` bench dealerships in one group with a month of ``scale`` each (those already
    seeded are kept), by ``manage.py seed_bench``'s code (:func:`dealership.bench.seed_bench`):
    the first of each brand generated, the others (with ``clone``) copies of it. Returns the
    measured group and the dealerships."""
    from dealership.bench import seed_bench
    from dealership.models import DealerGroup
    from dealership.tenancy import system_context

    result = seed_bench(
        dealerships=count, groups=1, period=period, scale=scale, clone=clone, password=None, log=log
    )
    with system_context():
        DealerGroup.objects.get_or_create(
            code=IDLE_GROUP_CODE, defaults={"name_zh": "基准测试备用", "name_en": "Bench (idle)"}
        )
        group = DealerGroup.objects.get(pk=result.dealerships[0].group_id)
    return group, result.dealerships


# --- the measured cases ---------------------------------------------------------------------------


def _rss_kib(field_name: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the resident-set high-water mark (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


class RssMeter:
    """The case's peak resident set above its size at the start, in MiB."""

    def __init__(self):
        self.hwm = _reset_peak() and _rss_kib("VmHWM") is not None
        self.method = (
            "VmHWM (Linux /proc, reset per case)" if self.hwm else "getrusage ru_maxrss delta"
        )

    def __enter__(self):
        gc.collect()
        if self.hwm:
            _reset_peak()
            self.start = _rss_kib("VmRSS")
        else:
            self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return self

    def __exit__(self, *exc):
        end = _rss_kib("VmHWM") if self.hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.peak_mib = max(end - self.start, 0) / 1024
        self.total_mib = end / 1024


@dataclass
class Result:
    case: str
    dealerships: int
    seconds: float
    rss_mib: float
    rss_total_mib: float
    python_mib: float | None = None
    cpu_seconds: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""


def _oem_reports():
    from dealership.reports.group import oem_reports

    return oem_reports()


def run_pack(dealership, period) -> tuple[bytes, bytes]:
    """One dealership's OEM monthly pack: its PDF and workbook."""
    from dealership.reports.group import oem_pack

    return oem_pack(dealership, period)


def run_scheduled(dealerships, period) -> tuple[bytes, bytes]:
    """Each dealership's OEM monthly runs, made as the scheduler makes them on their due day
    (a run already made is left as it is)."""
    from dealership.reports.services import report_run_scheduled
    from dealership.tenancy import dealership_context

    for dealership in dealerships:
        with dealership_context(dealership):
            for report in _oem_reports():
                due = report.due_at(period, dealership)
                report_run_scheduled(report=report, dealership=dealership, run_date=due.date())
    return b"", b""


def hq_user(group):
    """The group's HQ director (made once), who may export the group's pack."""
    from dealership.bench import PREFIX, UNUSABLE
    from dealership.models import GroupMembership, User

    user, _created = User.objects.get_or_create(
        username=f"{PREFIX}_hq", defaults={"name": "基准测试总部", "password": UNUSABLE}
    )
    GroupMembership.objects.get_or_create(
        user=user, group=group, defaults={"position_code": "hq_director"}
    )
    return user


def set_group_size(group, dealerships, size: int) -> None:
    """The measured group holds the first ``size`` dealerships; the others wait aside."""
    from django.core.cache import cache

    from dealership.models import DealerGroup, Dealership
    from dealership.tenancy import system_context

    with system_context():
        idle = DealerGroup.objects.get(code=IDLE_GROUP_CODE)
        ids = [d.pk for d in dealerships]
        Dealership.objects.filter(pk__in=ids[:size]).update(group=group)
        Dealership.objects.filter(pk__in=ids[size:]).update(group=idle)
    cache.clear()  # scopes and memberships cached per user


def run_group_export(group, period) -> tuple[bytes, bytes]:
    """The group's export as an HQ user asks for it and the worker makes it: its PDF and
    workbook."""
    from dealership.models import Dealership
    from dealership.reports.group import group_export_build, group_export_request
    from dealership.tenancy import TenantScope, tenant_context

    user = hq_user(group)
    ids = list(Dealership.objects.filter(group=group, is_active=True).values_list("pk", flat=True))
    with tenant_context(TenantScope.for_group(group.pk, ids)):
        export = group_export_request(actor=user, period=period)
    # Celery runs in the process here: the request's task has already built it (else build now)
    built = group_export_build(export_id=export.pk) or export
    built.refresh_from_db()
    if built.status != "done":
        raise RuntimeError(f"group export {built} ended {built.status}: {built.error[-2000:]}")
    with built.pdf.open("rb") as pdf, built.xlsx.open("rb") as xlsx:
        return pdf.read(), xlsx.read()


def run_list_export(group, route: str = "crm:followup_list") -> tuple[bytes, bytes]:
    """The group HQ's export of a list (XLSX), as the background export makes it: recorded,
    then built by :func:`list_export_build` (which asks the list's view page by page)."""
    from django.urls import reverse

    from dealership.exports.models import ListExport
    from dealership.exports.service import list_export_build
    from dealership.tenancy import system_context

    user = hq_user(group)
    with system_context():
        export = ListExport.objects.create(
            requested_by=user,
            group=group,
            source=ListExport.Source.PAGE,
            route=route,
            path=reverse(route),
            title="bench",
            format=ListExport.Format.XLSX,
            language="zh-hans",
            background=True,
        )
    built = list_export_build(export_id=export.pk)
    if built.status != ListExport.Status.DONE:
        raise RuntimeError(f"export {built.pk} ended {built.status}: {built.error[-2000:]}")
    run_list_export.rows = built.rows
    with built.file.open("rb") as xlsx:
        return b"", xlsx.read()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pages(pdf: bytes) -> int | None:
    if not pdf:
        return None
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def measure(
    case: str, size: int, work: Callable[[], tuple[bytes, bytes]], *, trace: bool
) -> Result:
    """Time ``work`` (returns the PDF and the workbook it made) with its memory peak; with
    ``trace``, run it once more under tracemalloc for the peak of Python allocations."""
    meter = RssMeter()
    with meter:
        cpu = _cpu_seconds()
        started = time.perf_counter()
        pdf, xlsx = work()
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu
    result = Result(case, size, seconds, meter.peak_mib, meter.total_mib, cpu_seconds=cpu)
    pages = _pages(pdf)
    if pdf:
        result.note = f"PDF {len(pdf) / 1e6:.1f} MB" + (f", {pages} pages" if pages else "")
        result.note += f"; XLSX {len(xlsx) / 1e6:.1f} MB"
    del pdf, xlsx
    if trace:
        gc.collect()
        tracemalloc.start()
        try:
            work()
            result.python_mib = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    return result


def judge(results: list[Result]) -> bool:
    ok = True
    for result in results:
        if result.case == "pack":
            result.target = f"< {PACK_TARGET:.0f} s"
            result.ok = result.seconds < PACK_TARGET
        elif result.case.startswith("export"):
            result.target = f"< {EXPORT_TARGET:.0f} s"
            result.ok = result.seconds < EXPORT_TARGET
        elif result.case.startswith("group") and result.dealerships >= GROUP_TARGET_SIZE:
            result.target = f"< {GROUP_TARGET:.0f} s"
            result.ok = result.seconds < GROUP_TARGET
        ok = ok and result.ok is not False
    groups = sorted((r for r in results if r.case.startswith("group")), key=lambda r: r.dealerships)
    if len(groups) >= 2:
        small, large = groups[0], groups[-1]
        per_small = small.seconds / small.dealerships
        per_large = large.seconds / large.dealerships
        linear = Result(
            f"linear {small.dealerships}→{large.dealerships}",
            large.dealerships,
            per_large,
            0,
            0,
            target=f"≤ {LINEAR_FACTOR:.0f} × {per_small:.2f} s",
            ok=per_large <= LINEAR_FACTOR * per_small,
            note=f"s per dealership: {per_small:.2f} → {per_large:.2f}",
        )
        results.append(linear)
        ok = ok and linear.ok
    return ok


def print_table(results: list[Result], rss_method: str, out=print) -> None:
    header = (
        f"{'case':<15}{'dealerships':>12}{'seconds':>9}{'CPU s':>8}{'RSS peak MiB':>15}"
        f"{'Python peak MiB':>17}  {'target':<17}{'result':<7}note"
    )
    out(header)
    out("-" * len(header))
    for r in results:
        linear = r.case.startswith("linear")
        rss = "" if linear else f"{r.rss_mib:.0f} (of {r.rss_total_mib:.0f})"
        out(
            f"{r.case:<15}{r.dealerships:>12}{r.seconds:>9.2f}"
            f"{'' if r.cpu_seconds is None else f'{r.cpu_seconds:.2f}':>8}{rss:>15}"
            f"{'' if r.python_mib is None else f'{r.python_mib:.0f}':>17}  "
            f"{r.target:<17}{'' if r.ok is None else ('PASS' if r.ok else 'FAIL'):<7}{r.note}"
        )
    out("")
    out("seconds: wall clock; CPU s: this process's CPU time (PostgreSQL's own work not counted).")
    out(f"RSS peak: the case's resident-set peak above its start ({rss_method});")
    out("in brackets the process's peak. Python peak: tracemalloc's peak of Python allocations,")
    if any(r.python_mib is not None for r in results):
        out("from a second, untimed pass.")
    else:
        out("from a second, untimed pass (skipped: --no-tracemalloc).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dealerships", default="1,10,50", help="group sizes to time")
    parser.add_argument("--month", help="the month to seed and report (YYYY-MM; last month)")
    parser.add_argument("--fresh", action="store_true", help="drop, create and migrate the DB")
    parser.add_argument(
        "--migrate", action="store_true", help="create the DB when missing; migrate it"
    )
    parser.add_argument("--app-role", help="run as this database role (row-level security)")
    parser.add_argument("--deliveries", type=int, help="per dealership (300)")
    parser.add_argument("--repair-orders", type=int, help="per dealership (3000)")
    parser.add_argument("--followups", type=int, help="per dealership (5000)")
    parser.add_argument(
        "--no-clone",
        action="store_true",
        help="generate every dealership (slow) instead of copying",
    )
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the untimed pass")
    parser.add_argument("--out", metavar="DIR", help="also write one pack's files to DIR")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.dealerships.split(",") if s.strip()})

    django_setup()
    from django.utils import timezone

    from dealership.bench import Scale, replica_mode
    from dealership.reports.periods import Period
    from dealership.reports.registry import MONTH

    if args.fresh or args.migrate:
        t = time.perf_counter()
        recreate_database(keep=not args.fresh)
        migrate()
        print(f"database ready and migrated: {time.perf_counter() - t:.1f} s")
    period = (
        Period.from_key(MONTH, args.month)
        if args.month
        else Period.containing(MONTH, timezone.localdate()).previous()
    )
    sizes_asked = {
        "deliveries": args.deliveries,
        "repair_orders": args.repair_orders,
        "followups": args.followups,
    }
    scale = Scale(**{k: v for k, v in sizes_asked.items() if v is not None})
    reports = _oem_reports()
    print(
        f"month {period.key}; OEM monthly reports: {', '.join(r.code for r in reports) or 'none'}"
    )
    if not reports:
        print("no OEM monthly report is registered: nothing to time")
        return 1
    # seeded as the database's owner (without constraint triggers when it may: a restore),
    # timed as the app's role
    with replica_mode():
        group, dealerships = seed(max(sizes), period, scale, clone=not args.no_clone)
    if args.app_role:
        use_app_role(args.app_role)

    rss_method = RssMeter().method
    trace = not args.no_tracemalloc
    results = []
    first = dealerships[0]
    # a worker that has made a PDF before: fonts found, templates and the renderer loaded
    warm = time.perf_counter()
    run_pack(first, period)
    print(f"warm-up pack (not judged): {time.perf_counter() - warm:.2f} s", flush=True)
    load = os.getloadavg()[0]
    results.append(measure("pack", 1, lambda: run_pack(first, period), trace=trace))
    _progress(results[-1])
    if args.out:
        _write_pack(first, period, Path(args.out))
    if any(s > 1 for s in sizes):
        # the scheduler has made each dealership's OEM runs on their due day (their PDFs are
        # what the car maker received, and what the group's pack is made of): timed, not judged
        results.append(
            measure(
                f"scheduled runs {len(dealerships)}",
                len(dealerships),
                lambda: run_scheduled(dealerships, period),
                trace=False,
            )
        )
        _progress(results[-1])
    for size in (s for s in sizes if s > 1):
        set_group_size(group, dealerships, size)
        results.append(
            measure(f"group {size}", size, lambda: run_group_export(group, period), trace=trace)
        )
        _progress(results[-1])
    export_size = max([s for s in sizes if s <= EXPORT_GROUP_SIZE] or [min(sizes)])
    set_group_size(group, dealerships, export_size)
    result = measure("export", export_size, lambda: run_list_export(group), trace=False)
    rows = getattr(run_list_export, "rows", 0)
    result.case = f"export {rows:,} rows"
    result.note = f"the follow-ups of {export_size} dealerships as XLSX"
    results.append(result)
    _progress(results[-1])
    set_group_size(group, dealerships, len(dealerships))
    ok = judge(results)
    print()
    print_table(results, rss_method)
    print(
        f"\n{os.cpu_count()} CPUs; load average {load:.1f} before the cases, "
        f"{os.getloadavg()[0]:.1f} after (other processes share the machine when it is above "
        f"the CPU count)."
    )
    print(f"\n{'all targets met' if ok else 'a target was missed'}")
    return 0 if ok else 1


def _progress(result: Result) -> None:
    python = "" if result.python_mib is None else f", Python peak {result.python_mib:.0f} MiB"
    print(
        f"{result.case}: {result.seconds:.2f} s (CPU {result.cpu_seconds:.2f} s), "
        f"RSS peak +{result.rss_mib:.0f} MiB{python}; {result.note}",
        flush=True,
    )


def _write_pack(dealership, period, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pdf, xlsx = run_pack(dealership, period)
    (folder / f"{dealership.code}-{period.key}.pdf").write_bytes(pdf)
    (folder / f"{dealership.code}-{period.key}.xlsx").write_bytes(xlsx)
    print(f"one pack written to {folder}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
