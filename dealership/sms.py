"""Text messages (SMS) to customers: one interface, :func:`send_sms`, and a back end chosen by
``settings.SMS_BACKEND`` (a dotted class path).

* :class:`LoggingBackend` (default) only logs the message at INFO, the number and the text
  masked (:func:`dealership.notifications.channels.mask_private`) — until a gateway is wired;
* :class:`LocmemBackend` keeps the messages in :data:`outbox` (tests), like Django's mail.

Callers make sending idempotent themselves (a ``key`` names the message, e.g.
``aftersales.appointment_reminder:<id>``, and is passed to the back end)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    dealership_id: int | None
    to: str
    text: str
    key: str


outbox: list[SmsMessage] = []


class LoggingBackend:
    """Writes each message to the log (masked) and nothing else."""

    def send(self, message: SmsMessage) -> None:
        from dealership.notifications.channels import mask_private

        logger.info(
            "SMS to %s (dealership %s, %s): %s",
            mask_private(message.to),
            message.dealership_id,
            message.key,
            mask_private(message.text),
        )


class LocmemBackend:
    """Keeps the messages in :data:`outbox` (tests empty it)."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


def get_backend():
    return import_string(getattr(settings, "SMS_BACKEND", "dealership.sms.LoggingBackend"))()


def send_sms(*, dealership, to: str, text: str, key: str) -> SmsMessage:
    """Send ``text`` to the mobile number ``to`` on behalf of ``dealership``."""
    message = SmsMessage(
        dealership_id=getattr(dealership, "pk", dealership), to=str(to), text=str(text), key=key
    )
    get_backend().send(message)
    return message
