"""Writes of after-sales: functions named ``<entity>_<action>`` with keyword-only arguments,
each in one transaction, audited, objects re-read through the access chokepoint. Each module
lists its public functions in ``__all__``; they are all re-exported here."""

from aftersales.services.claims import *  # noqa: F403
from aftersales.services.parts import *  # noqa: F403
from aftersales.services.repairs import *  # noqa: F403
from aftersales.services.stock import *  # noqa: F403
from aftersales.services.targets import *  # noqa: F403
from aftersales.services.workshop import *  # noqa: F403
