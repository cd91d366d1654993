"""Imports run one way: the platform imports no app; crm never calls sales or after-sales;
sales and after-sales never call each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"dealership", "org", "crm", "sales", "aftersales", "finance"}
ALLOWED = {
    "dealership": set(),
    "org": {"dealership"},
    "crm": {"dealership", "org"},
    "sales": {"dealership", "org", "crm"},
    "aftersales": {"dealership", "org", "crm"},
    "finance": {"dealership", "org"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & APPS


@pytest.mark.parametrize("app", sorted(APPS))
def test_imports_follow_the_layering(app):
    offenders = {}
    for path in (ROOT / app).rglob("*.py"):
        bad = _imports(path) - ALLOWED[app] - {app}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}
