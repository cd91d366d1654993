"""Text messages (SMS) to customers: one interface, :func:`send_sms`, and a back end chosen by
``settings.SMS_BACKEND`` (a dotted class path).

* :class:`LoggingBackend` (default) only logs the message at INFO, the number and the text
  masked (:func:`dealership.notifications.channels.mask_private`) — until a gateway is wired;
* :class:`LocmemBackend` keeps the messages in :data:`outbox` (tests), like Django's mail;
* :class:`AliyunBackend` sends through Aliyun SMS (阿里云短信服务, ``dysmsapi`` ``SendSms``)
  over its documented HTTP API with the RPC signature (HMAC-SHA1, version 1.0), configured by
  ``SMS_ALIYUN_ACCESS_KEY_ID``, ``SMS_ALIYUN_ACCESS_KEY_SECRET``, ``SMS_ALIYUN_SIGN_NAME`` and
  ``SMS_ALIYUN_TEMPLATE_CODE`` (the approved template, with one variable ``${content}`` that
  receives the whole text). The secret is never logged. A refusal of the gateway raises
  :class:`SmsError` with Aliyun's code and message.

Callers make sending idempotent themselves (a ``key`` names the message, e.g.
``aftersales.appointment_reminder:<id>``, and is passed to the back end)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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


class SmsError(Exception):
    """The gateway did not accept a message (its code and message, never a credential)."""


def percent_encode(value) -> str:
    """Aliyun's RPC encoding: UTF-8, then every byte but ``A-Z a-z 0-9 - _ . ~`` as ``%XY``
    (a space is ``%20``, never ``+``; ``*`` is ``%2A``)."""
    return quote(str(value), safe="-_.~")


def rpc_signature(params: dict, secret: str, method: str = "POST") -> str:
    """The ``Signature`` of an Aliyun RPC request (SignatureVersion 1.0, HMAC-SHA1): the
    parameters sorted by name and encoded, ``METHOD&%2F&<encoded query>`` signed with the
    AccessKey secret followed by ``&``, in base64."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(value)}" for key, value in sorted(params.items())
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    """Aliyun SMS (``SendSms`` of ``dysmsapi``, API version 2017-05-25) over HTTPS, POSTed as a
    form. ``session`` (a ``requests`` session: tests mount a fake transport on it), ``clock``
    and ``nonce`` may be given; by default a new session, the current UTC time and a UUID."""

    endpoint = "https://dysmsapi.aliyuncs.com/"
    version = "2017-05-25"
    region = "cn-hangzhou"
    template_param = "content"  # the template's one variable, ${content}
    timeout = 10

    def __init__(
        self,
        *,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str | None = None,
        template_code: str | None = None,
        session=None,
        clock: Callable[[], dt.datetime] | None = None,
        nonce: Callable[[], str] | None = None,
    ):
        self.access_key_id = access_key_id or getattr(settings, "SMS_ALIYUN_ACCESS_KEY_ID", "")
        self.access_key_secret = access_key_secret or getattr(
            settings, "SMS_ALIYUN_ACCESS_KEY_SECRET", ""
        )
        self.sign_name = sign_name or getattr(settings, "SMS_ALIYUN_SIGN_NAME", "")
        self.template_code = template_code or getattr(settings, "SMS_ALIYUN_TEMPLATE_CODE", "")
        missing = [
            name
            for name, value in (
                ("SMS_ALIYUN_ACCESS_KEY_ID", self.access_key_id),
                ("SMS_ALIYUN_ACCESS_KEY_SECRET", self.access_key_secret),
                ("SMS_ALIYUN_SIGN_NAME", self.sign_name),
                ("SMS_ALIYUN_TEMPLATE_CODE", self.template_code),
            )
            if not value
        ]
        if missing:
            raise ImproperlyConfigured(f"Aliyun SMS needs {', '.join(missing)}.")
        self.session = session
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.nonce = nonce or (lambda: str(uuid.uuid4()))

    def params(self, message: SmsMessage) -> dict[str, str]:
        """The request's parameters, signed."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self.clock().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": self.version,
            "PhoneNumbers": message.to,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(
                {self.template_param: message.text}, ensure_ascii=False, separators=(",", ":")
            ),
        }
        if message.key:
            params["OutId"] = message.key[:256]
        params["Signature"] = rpc_signature(params, self.access_key_secret, "POST")
        return params

    def send(self, message: SmsMessage) -> None:
        import requests

        from dealership.notifications.channels import mask_private

        session = self.session or requests.Session()
        try:
            response = session.post(self.endpoint, data=self.params(message), timeout=self.timeout)
        except requests.RequestException as error:
            raise SmsError(f"Aliyun SMS unreachable: {error.__class__.__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        code = answer.get("Code", "")
        if response.status_code != 200 or code != "OK":
            detail = answer.get("Message") or f"HTTP {response.status_code}"
            raise SmsError(f"Aliyun SMS refused the message: {code or 'error'} ({detail})")
        logger.info(
            "SMS to %s sent by Aliyun (dealership %s, %s, BizId %s)",
            mask_private(message.to),
            message.dealership_id,
            message.key,
            answer.get("BizId", ""),
        )


def get_backend():
    return import_string(getattr(settings, "SMS_BACKEND", "dealership.sms.LoggingBackend"))()


def send_sms(*, dealership, to: str, text: str, key: str) -> SmsMessage:
    """Send ``text`` to the mobile number ``to`` on behalf of ``dealership``."""
    message = SmsMessage(
        dealership_id=getattr(dealership, "pk", dealership), to=str(to), text=str(text), key=key
    )
    get_backend().send(message)
    return message
