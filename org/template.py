"""The standard org chart template (``org/data/*.yaml``), loaded once and validated."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from org.capabilities import Capability, DataScope

DATA = Path(__file__).resolve().parent / "data"
SCOPES = {
    "own": DataScope.OWN,
    "department": DataScope.DEPARTMENT,
    "dealership": DataScope.DEALERSHIP,
}


class TemplateError(ValueError):
    pass


@cache
def org_chart() -> dict:
    data = yaml.safe_load((DATA / "org_chart_template.yaml").read_text(encoding="utf-8"))
    codes = [p["code"] for d in data["departments"] for p in d["positions"]]
    if len(codes) != len(set(codes)):
        raise TemplateError("Position codes in the org chart template must be unique.")
    known = set(codes)
    for dept in data["departments"]:
        for pos in dept["positions"]:
            if pos.get("reports_to") not in known | {None}:
                raise TemplateError(
                    f"{pos['code']} reports to unknown position {pos['reports_to']!r}."
                )
    return data


@cache
def capability_grants() -> dict[str, dict[str, DataScope]]:
    """position code → {capability: scope}, with "*" expanded to every capability."""
    data = yaml.safe_load((DATA / "capability_template.yaml").read_text(encoding="utf-8"))
    valid = {c.value for c in Capability}
    grants: dict[str, dict[str, DataScope]] = {}
    for code, mapping in data["positions"].items():
        resolved: dict[str, DataScope] = {}
        for capability, scope in mapping.items():
            if scope not in SCOPES:
                raise TemplateError(f"{code}: unknown data scope {scope!r}.")
            if capability == "*":
                resolved.update(dict.fromkeys(valid, SCOPES[scope]))
            elif capability not in valid:
                raise TemplateError(f"{code}: unknown capability {capability!r}.")
            else:
                resolved[capability] = SCOPES[scope]
        grants[code] = resolved
    return grants


@cache
def hq_positions() -> dict[str, dict]:
    data = yaml.safe_load((DATA / "capability_template.yaml").read_text(encoding="utf-8"))
    valid = {c.value for c in Capability}
    for code, spec in data["hq_positions"].items():
        unknown = set(spec["capabilities"]) - valid
        if unknown:
            raise TemplateError(f"{code}: unknown capabilities {sorted(unknown)}.")
    return data["hq_positions"]


def template_position_codes() -> list[str]:
    return [p["code"] for d in org_chart()["departments"] for p in d["positions"]]


def grant_missing(apps, wanted: dict[str | None, set[str]]) -> int:
    """For a data migration: give every position that carries a template code the cells of the
    template it lacks among ``wanted`` (``{position code or None for all: {capability, …}}``);
    cells a dealership already has are left as they are. Runs in the system scope (row-level
    security); returns how many cells were added."""
    from dealership.tenancy import system_context

    grants = capability_grants()
    with system_context():
        Position = apps.get_model("org", "Position")
        PositionCapability = apps.get_model("org", "PositionCapability")
        existing = set(PositionCapability.objects.values_list("position_id", "capability"))
        rows = []
        for position in Position.objects.all().iterator():
            capabilities = wanted.get(None, set()) | wanted.get(position.code, set())
            for capability, scope in grants.get(position.code, {}).items():
                if capability in capabilities and (position.pk, capability) not in existing:
                    rows.append(
                        PositionCapability(
                            dealership_id=position.dealership_id,
                            position=position,
                            capability=capability,
                            scope=int(scope),
                        )
                    )
        PositionCapability.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)
