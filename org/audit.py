"""How the audit log shows the org chart's values: capabilities and data scopes by their labels,
positions by their names (registered with the platform's value formatters); who reads the log
of list exports (those who read the audit log)."""

from __future__ import annotations

from dealership.audit import register_value_formatter
from dealership.exports.access import register_export_log_reader
from org.access import holds
from org.capabilities import Capability, DataScope


def _capability(value) -> str:
    return str(Capability(value).label)


def _scope(value) -> str:
    return str(DataScope(int(value)).label)


def _position(code) -> str:
    """A position code as the position's name in the current dealership (the code when it is
    gone)."""
    from org.models import Position

    position = Position.objects.filter(code=code).first()
    return str(position) if position is not None else str(code)


def register() -> None:
    register_value_formatter("capability", _capability)
    register_value_formatter("scope", _scope)
    register_value_formatter("positions", _position)
    register_value_formatter("primary_position", _position)
    register_export_log_reader(holds(Capability.ORG_VIEW_AUDIT))
