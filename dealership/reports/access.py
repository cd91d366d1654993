"""Who may read a report (before any run exists): a gate the org app installs at start-up.
Without it (the platform alone) every member of the dealership may."""

from __future__ import annotations

from collections.abc import Callable

from dealership.tenancy.context import current_scope

# gate(user, report, action) -> bool; action is "view" (read it) or "export" (submit to the OEM)
ReportGate = Callable[..., bool]


def _default_gate(user, report, action) -> bool:
    return bool(getattr(user, "is_authenticated", False) and current_scope() is not None)


_gate: ReportGate = _default_gate


def set_report_gate(gate: ReportGate) -> None:
    global _gate
    _gate = gate


def may_read_report(user, report) -> bool:
    return _gate(user, report, "view")


def may_export_report(user, report) -> bool:
    return _gate(user, report, "export")
