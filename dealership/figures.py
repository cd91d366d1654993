"""Key figures of the dealership, registered by the apps that own the data: yesterday's orders
(sales), 5K/10K check-ins (after-sales), follow-ups due (crm) … The e-CRB board shows them and
the daily report reuses them, so each number is computed in one place.

Apps register from their ``AppConfig.ready()``::

    register_figure(Figure("sales.orders", _("Orders"), orders_on, group="day", order=10))

``compute(user, day)`` runs in the current tenant scope, reads through the access chokepoint
(``for_user``), and returns a number (``int`` or ``Decimal``; a rate as a percentage) or
``None`` when there is nothing to measure or the viewer may not see the records. A rate or a
mean is a :class:`Ratio` (a ``Decimal`` that keeps its part and its whole), so figures of
several dealerships are combined weighted by their base (:func:`combine`).

Groups say which day a figure takes (the board passes them so, the daily report may too):

* ``"day"`` — what happened on ``day`` (the board: yesterday's orders, deliveries, check-ins);
* ``"followups"`` — the call list as of ``day`` (due, done, overdue …);
* ``"month"`` — the month of ``day``, from its 1st up to ``day`` (SSI, CSI, rates);
* ``"complaints"`` — open at the end of ``day``, by age.

:func:`figure_values` computes a group for the current dealership; within one run a figure
function shares one query with its siblings through :func:`per_dealership` (or :func:`memo`),
and reads the dealership's own time zone through :func:`day_bounds` / :func:`local_today`.
:func:`figures_by_dealership` runs the same functions once per dealership of an HQ user's
group, each inside a read-only scope of that one dealership; a query written with
:func:`per_dealership` (grouped by dealership) then runs once for all the dealerships of a time
zone, so HQ's board costs the same statements for 2 dealerships as for 50. The platform names
no app."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone


@dataclass(frozen=True)
class Figure:
    code: str
    label: str  # a lazy translation
    compute: Callable[..., object]  # (user, day) -> number | None
    group: str = "day"
    order: int = 100
    unit: str = ""  # "%" for rates
    url_name: str = ""  # where the figure's rows are listed (optional)
    model: str = ""  # "app_label.Model" the list shows: the link only for who may view it
    combine: str = "sum"  # across dealerships: "sum" (a Ratio: weighted), "mean", "none"
    help: str = ""  # how the figure is counted (a lazy translation)


_figures: dict[str, Figure] = {}


def register_figure(figure: Figure) -> None:
    existing = _figures.get(figure.code)
    if existing is not None and existing.compute is not figure.compute:
        raise ValueError(f"A figure named {figure.code!r} is already registered.")
    _figures[figure.code] = figure


def unregister_figure(code: str) -> None:
    _figures.pop(code, None)


def all_figures(group: str | None = None) -> list[Figure]:
    return sorted(
        (f for f in _figures.values() if group is None or f.group == group),
        key=lambda f: (f.group, f.order, f.code),
    )


def get_figure(code: str) -> Figure:
    try:
        return _figures[code]
    except KeyError:
        raise LookupError(f"No figure {code!r} is registered.") from None


# --- rates and means ----------------------------------------------------------------------------


class Ratio(Decimal):
    """A rate or a mean: ``part / whole × scale`` rounded to ``places``, which remembers its
    ``part`` and ``whole`` so rates of several dealerships add up weighted by their base."""

    part: Decimal
    whole: Decimal
    scale: int

    def __new__(cls, part, whole, *, scale: int = 100, places: int = 1):
        part, whole = Decimal(part or 0), Decimal(whole)
        value = (part * scale / whole).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        self = super().__new__(cls, value)
        self.part, self.whole, self.scale, self.places = part, whole, scale, places
        return self

    @classmethod
    def of(cls, part, whole, *, scale: int = 100, places: int = 1) -> Ratio | None:
        """The ratio, or ``None`` when there is no base (nothing to measure)."""
        if not whole:
            return None
        return cls(part, whole, scale=scale, places=places)

    def __reduce__(self):
        return (_ratio, (self.part, self.whole, self.scale, self.places))


def _ratio(part, whole, scale, places):
    return Ratio(part, whole, scale=scale, places=places)


def combine(values: Iterable, how: str = "sum"):
    """One value for several dealerships: counts added up, ratios weighted by their base (the
    parts and wholes added up), ``"mean"`` the plain mean (targets), ``"none"`` nothing.
    ``None`` values (nothing to measure) are left out; all ``None`` gives ``None``."""
    present = [v for v in values if v is not None]
    if how == "none" or not present:
        return None
    if all(isinstance(v, Ratio) for v in present):
        first = present[0]
        return Ratio.of(
            sum(v.part for v in present),
            sum(v.whole for v in present),
            scale=first.scale,
            places=first.places,
        )
    if how == "mean":
        mean = Decimal(sum(Decimal(v) for v in present)) / len(present)
        if mean == mean.to_integral_value():
            return int(mean)
        return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return sum(present)


# --- one run: the dealership, its time zone, shared queries ------------------------------------


@dataclass
class _Run:
    dealership: object
    memo: dict = field(default_factory=dict)


_run: ContextVar[_Run | None] = ContextVar("figure_run", default=None)


@dataclass
class _Batch:
    """Dealerships of one time zone whose figures :func:`figures_by_dealership` computes one
    after the other: a grouped query (:func:`per_dealership`) runs once for them all, in
    ``scope`` (read-only, those dealerships), in the time zone of ``dealership`` (one of them)."""

    scope: object
    dealership: object
    memo: dict = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("figure_batch", default=None)


def current_dealership():
    """The dealership the figures are computed for (the run's, else the scope's current one)."""
    run = _run.get()
    if run is not None and run.dealership is not None:
        return run.dealership
    from dealership.models import Dealership
    from dealership.tenancy import current_scope

    scope = current_scope()
    if scope is None or scope.current_id is None:
        return None
    return Dealership.objects.filter(pk=scope.current_id).first()


def _zone(dealership=None):
    dealership = dealership if dealership is not None else current_dealership()
    return dealership.zoneinfo if dealership is not None else timezone.get_current_timezone()


def local_today(dealership=None) -> dt.date:
    """Today in the dealership's own time zone."""
    return timezone.now().astimezone(_zone(dealership)).date()


def day_bounds(day: dt.date, dealership=None) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of ``day`` in the dealership's time zone (aware datetimes)."""
    zone = _zone(dealership)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def local_zone(dealership=None):
    """The dealership's time zone (for ``TruncDate``/``TruncMonth`` of datetimes)."""
    return _zone(dealership)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The 1st of the month ``months`` after (before, when negative) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def memo(key, compute: Callable[[], object]):
    """``compute()`` once per run for ``key`` (figures of one table share one query)."""
    run = _run.get()
    if run is None:
        return compute()
    if key not in run.memo:
        run.memo[key] = compute()
    return run.memo[key]


def per_dealership(key, compute: Callable[[], dict | None], default=None):
    """The value of the run's dealership out of ``compute()``, one query grouped by dealership
    (``{dealership id: value}``, ``None`` when the viewer may not see the records): ``default``
    when the dealership has no row, ``None`` when nothing is visible or no dealership is current.

    For one dealership, ``compute()`` runs once per run (:func:`memo`) in the current scope. In
    :func:`figures_by_dealership` it runs once for every dealership of the batch (one time
    zone), in the batch's read-only scope, so each dealership still gets only its own rows, read
    through the viewer's rules in its own time zone."""
    run = _run.get()
    dealership = run.dealership if run is not None else current_dealership()
    if dealership is None:
        return None
    batch = _batch.get()
    if batch is not None and dealership.pk in batch.scope.dealership_ids:
        if key not in batch.memo:
            from dealership.tenancy import tenant_context

            with tenant_context(batch.scope), figure_run(batch.dealership):
                batch.memo[key] = compute()
        values = batch.memo[key]
    else:
        values = memo(key, compute)
    return None if values is None else values.get(dealership.pk, default)


def aggregate_by_dealership(queryset, **aggregates) -> dict[int, dict]:
    """``queryset.aggregate(**aggregates)`` for each dealership, in one query:
    ``{dealership id: {name: value}}`` (a dealership without rows is absent)."""
    rows = queryset.values("dealership_id").annotate(**aggregates).order_by()
    return {row.pop("dealership_id"): row for row in rows}


@contextlib.contextmanager
def figure_run(dealership=None) -> Iterator[object]:
    """Compute figures of one dealership (default: the scope's current one) sharing their
    queries (:func:`memo`); inside a run already open for it, nothing new is opened."""
    current = _run.get()
    if current is not None and (dealership is None or dealership == current.dealership):
        yield current.dealership
        return
    token = _run.set(_Run(dealership=dealership if dealership is not None else None))
    try:
        if dealership is None:
            _run.get().dealership = current_dealership()
        yield _run.get().dealership
    finally:
        _run.reset(token)


def figure_values(
    user,
    day: dt.date,
    group: str | None = None,
    *,
    days: dict[str, dt.date] | None = None,
    codes: Iterable[str] | None = None,
) -> list[tuple[Figure, object]]:
    """Every registered figure of ``group`` (or of ``codes``) for ``user`` on ``day`` in the
    current scope; ``days`` gives some groups another day (the board: ``{"day": yesterday}``)."""
    days = days or {}
    wanted = None if codes is None else set(codes)
    with figure_run():
        return [
            (figure, figure.compute(user, days.get(figure.group, day)))
            for figure in all_figures(group)
            if wanted is None or figure.code in wanted
        ]


def figures_by_dealership(
    user,
    day: dt.date,
    dealerships: Iterable,
    group: str | None = None,
    *,
    days: dict[str, dt.date] | None = None,
    codes: Iterable[str] | None = None,
    also: Callable[[], object] | None = None,
) -> dict[int, tuple[list[tuple[Figure, object]], object]]:
    """For an HQ user (a read-only group scope): ``{dealership id: (figures, extra)}`` for each
    of ``dealerships`` the scope reads, computed by the same functions inside a read-only scope
    of that one dealership (so each reads that dealership's rows through the viewer's own
    rules, in its own time zone). ``also()``, when given, runs in the same scope and run (its
    queries shared with the figures) and gives ``extra``. The dealerships of one time zone form
    a batch: a query written with :func:`per_dealership` runs once for the batch."""
    from dealership.tenancy import TenantScope, get_scope, tenant_context

    scope = get_scope()
    zones: dict[str, list] = {}
    for dealership in dealerships:
        if scope.can_read(dealership.pk):
            zones.setdefault(str(dealership.zoneinfo), []).append(dealership)
    result = {}
    for members in zones.values():
        batch = _Batch(
            scope=TenantScope(
                dealership_ids=frozenset(d.pk for d in members),
                writable_ids=frozenset(),
                group_id=scope.group_id,
            ),
            dealership=members[0],
        )
        token = _batch.set(batch)
        try:
            for dealership in members:
                one = TenantScope(
                    dealership_ids=frozenset({dealership.pk}),
                    writable_ids=frozenset(),
                    current_id=dealership.pk,
                    group_id=scope.group_id,
                )
                with tenant_context(one), figure_run(dealership):
                    values = figure_values(user, day, group, days=days, codes=codes)
                    extra = also() if also is not None else None
                result[dealership.pk] = (values, extra)
        finally:
            _batch.reset(token)
    return {d.pk: result[d.pk] for d in dealerships if d.pk in result}


# --- charts ---------------------------------------------------------------------------------------


def line_chart(
    labels: list[str],
    series: list[tuple[str, list]],
    *,
    title: str = "",
    y_range: tuple[float, float] | None = None,
    width: int = 640,
    height: int = 260,
) -> str:
    """A line chart as inline SVG markup (pygal), self-contained: no script, no external
    stylesheet, font or link — it works in the page without JavaScript and in WeasyPrint PDFs.
    ``series``: ``[(name, [value or None, …]), …]`` aligned with ``labels``."""
    import pygal
    from django.utils.safestring import mark_safe
    from pygal.style import Style

    style = Style(
        background="transparent",
        plot_background="transparent",
        foreground="#212529",
        foreground_strong="#212529",
        foreground_subtle="#ced4da",
        guide_stroke_color="#dee2e6",
        major_guide_stroke_color="#adb5bd",
        font_family='"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif',
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12,
        title_font_size=14,
        value_font_size=11,
        colors=("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545"),
    )
    chart = pygal.Line(
        js=[],
        style=style,
        width=width,
        height=height,
        explicit_size=False,
        disable_xml_declaration=True,
        title=title or None,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=max(1, len(series)),
        range=y_range,
        include_x_axis=False,
        print_values=True,
        print_values_position="top",
        allow_interruptions=True,
        show_dots=True,
        dots_size=3,
        truncate_label=-1,
        no_data_text="—",
        margin=8,
        margin_right=28,
    )
    chart.x_labels = labels
    for name, values in series:
        chart.add(
            name, [float(v) if v is not None else None for v in values], allow_interruptions=True
        )
    # pygal builds the SVG as an element tree (lxml/ElementTree), which escapes every text it
    # is given (title, labels, series names); _clean_svg drops its script and comments
    svg = _clean_svg(chart.render(is_unicode=True), title)
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


def _clean_svg(svg: str, title: str) -> str:
    """Drop pygal's comments (which name its website) and any ``<script>``, and describe the
    chart for screen readers. The markup is pygal's own, built from numbers and escaped text."""
    import re

    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)
    svg = re.sub(r"<script\b[^>]*/>", "", svg)
    from django.utils.html import escape

    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
