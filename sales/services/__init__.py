"""Writes of sales: functions named ``<entity>_<action>`` with keyword-only arguments, each in
one transaction, audited, objects re-read through the access chokepoint. Each module lists its
public functions in ``__all__``; they are all re-exported here
(``from sales import services; services.lead_create(actor=…, …)``)."""

from sales.services.deliveries import *  # noqa: F403
from sales.services.leads import *  # noqa: F403
from sales.services.network import *  # noqa: F403
from sales.services.orders import *  # noqa: F403
from sales.services.plans import *  # noqa: F403
from sales.services.pricing import *  # noqa: F403
from sales.services.quotes import *  # noqa: F403
from sales.services.salesplans import *  # noqa: F403
from sales.services.stages import *  # noqa: F403
from sales.services.stock import *  # noqa: F403
