"""Kinds of notification, each declared once by the module that owns it::

    register_kind(NotificationKind(
        "org.account_ready", _("Your account is ready"),
        description=_("A new login was created for you."),
        email=Email.EACH, optional=False,
    ))

``email`` (each one / daily digest / off) and ``wecom`` are the defaults a person gets until
they choose otherwise on the preferences page; ``optional=False`` keeps the defaults for
everyone (a person may not turn such a kind off). In the app a notification is always shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from dealership.notifications.models import NotificationPreference

Email = NotificationPreference.Email


@dataclass(frozen=True)
class NotificationKind:
    code: str  # "<module>.<event>", e.g. "finance.step_waiting"
    name: str  # a lazy translation
    description: str = ""
    email: str = Email.EACH
    wecom: bool = False
    optional: bool = True

    @property
    def module(self) -> str:
        return self.code.split(".", 1)[0]


@dataclass(frozen=True)
class Channels:
    """Where one person gets one kind: e-mail each / digest / off, and the WeCom group."""

    email: str
    wecom: bool


_kinds: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> NotificationKind:
    if "." not in kind.code:
        raise ValueError(f"A kind's code is '<module>.<event>', not {kind.code!r}.")
    if kind.email not in Email.values:
        raise ValueError(f"{kind.code}: e-mail default must be one of {Email.values}.")
    existing = _kinds.get(kind.code)
    if existing is not None and existing != kind:
        raise ValueError(f"The notification kind {kind.code!r} is already registered.")
    _kinds[kind.code] = kind
    return kind


def unregister_kind(code: str) -> None:
    _kinds.pop(code, None)


def get_kind(code: str) -> NotificationKind:
    try:
        return _kinds[code]
    except KeyError:
        raise LookupError(f"No notification kind {code!r} is registered.") from None


def all_kinds() -> list[NotificationKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)


def kind_label(code: str) -> str:
    kind = _kinds.get(code)
    return str(kind.name) if kind is not None else code


def channels_for(kind: NotificationKind, user_ids, preferences: dict) -> dict[int, Channels]:
    """Each person's channels for ``kind``: their own choice when the kind is optional and they
    made one (``preferences``: user id → :class:`NotificationPreference`), else the default."""
    default = Channels(email=kind.email, wecom=kind.wecom)
    result = {}
    for user_id in user_ids:
        pref = preferences.get(user_id) if kind.optional else None
        result[user_id] = Channels(pref.email, pref.wecom) if pref is not None else default
    return result
