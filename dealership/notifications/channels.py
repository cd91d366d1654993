"""Sending a message outside the app: e-mail (Django's mail backend, configured from the
environment) and WeCom group robots (their webhook's Markdown messages). What leaves the app
never carries a full mobile number or ID number (:func:`mask_private`)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

# Mainland mobile numbers (optionally +86, with spaces or dashes) and ID numbers (18 or 15
# digits), not when they are part of a longer code such as a VIN or an order number.
# (Chinese text has no space before a number: only ASCII letters and digits count as "part of a
# longer code".)
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])((?:\+?86[\s-]?)?1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?![0-9A-Za-z])"
)
_ID_18 = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID_15 = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{8}(\d{4})(?![0-9A-Za-z])")

WECOM_MAX_BYTES = 4096  # a robot's Markdown message is at most 4096 bytes


class DeliveryFailed(Exception):
    """The channel did not take the message; the delivery is retried later."""


def mask_private(text: str) -> str:
    """``13812345678`` → ``138****5678``; ``110101199003071234`` → ``110***********1234``."""
    text = _ID_18.sub(lambda m: m.group(1) + "*" * 11 + m.group(2), text)
    text = _ID_15.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


def send_email(*, address: str, subject: str, body: str) -> None:
    if not address:
        raise DeliveryFailed(_("The person has no e-mail address."))
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
    )
    try:
        message.send(fail_silently=False)
    except Exception as error:  # SMTP and socket errors alike: retried with backoff
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error


def check_webhook_url(url: str) -> None:
    """Only HTTPS addresses of the hosts in ``WECOM_WEBHOOK_HOSTS`` (WeCom's by default), so a
    robot cannot make the server call anything else."""
    parts = urlsplit(url)
    allowed = settings.WECOM_WEBHOOK_HOSTS
    if parts.hostname not in allowed or (
        parts.scheme != "https" and not settings.WECOM_WEBHOOK_ALLOW_HTTP
    ):
        raise ValidationError(
            {
                "webhook_url": _(
                    "Enter the robot's webhook address from WeCom (https://%(host)s/…)."
                )
                % {"host": allowed[0] if allowed else "qyapi.weixin.qq.com"}
            }
        )


def wecom_markdown(*, subject: str, body: str, where: str, url: str = "") -> str:
    """The Markdown of a robot message: the subject in bold, where it comes from, the text and
    a link back into the app, cut to WeCom's size limit."""
    lines = [f"**{subject}**", f"> {where}"]
    if body:
        lines.append(body)
    if url:
        label = _("Open in the ERP")
        lines.append(f"[{label}]({url})")
    content = "\n".join(lines)
    encoded = content.encode()
    if len(encoded) > WECOM_MAX_BYTES:
        content = encoded[: WECOM_MAX_BYTES - 3].decode(errors="ignore") + "…"
    return content


def _secret_free(text: str, webhook_url: str) -> str:
    """``text`` without the webhook's key (or its whole query string)."""
    query = urlsplit(webhook_url).query
    if query:
        text = text.replace(query, "key=****")
    return re.sub(r"key=[^&\s')\"]+", "key=****", text)


def send_wecom(*, webhook_url: str, content: str) -> None:
    try:
        check_webhook_url(webhook_url)
    except ValidationError as error:
        raise DeliveryFailed(" ".join(error.messages)) from error
    try:
        response = requests.post(
            webhook_url,
            json={"msgtype": "markdown", "markdown": {"content": content}},
            timeout=settings.WECOM_TIMEOUT,
            allow_redirects=False,  # a redirect could lead outside WECOM_WEBHOOK_HOSTS
        )
    except requests.RequestException as error:
        # requests' message names the URL, whose key is a secret: say only what went wrong
        reason = _secret_free(str(error), webhook_url)
        raise DeliveryFailed(f"{type(error).__name__}: {reason}") from error
    if response.status_code != 200:
        raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryFailed(f"Not a WeCom answer: {response.text[:500]}") from None
    if answer.get("errcode") != 0:
        raise DeliveryFailed(f"WeCom error {answer.get('errcode')}: {answer.get('errmsg')}")
