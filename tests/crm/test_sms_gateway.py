"""The Aliyun SMS back end (``dealership.sms.AliyunBackend``): the request it builds (the
parameters of ``SendSms``, the RPC signature, deterministic for a fixed nonce and time), how it
reads Aliyun's answers, and that the secret never reaches the log — through a fake HTTP
transport mounted on a ``requests`` session (no network)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from urllib.parse import parse_qsl

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from dealership.sms import AliyunBackend, SmsError, SmsMessage, percent_encode, rpc_signature

SECRET = "testsecret-do-not-log"


class FakeTransport(requests.adapters.BaseAdapter):
    """Answers every request with ``answer`` (status, JSON) and keeps the requests."""

    def __init__(self, status=200, answer=None, error=None):
        super().__init__()
        self.status, self.answer, self.error = status, answer, error
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        if self.error is not None:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(self.answer or {}).encode()
        response.headers["Content-Type"] = "application/json"
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass


class Captured(logging.Handler):
    """The log records of ``dealership.sms`` (the suite runs without pytest's log capture)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def log():
    handler, logger = Captured(), logging.getLogger("dealership.sms")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _backend(transport):
    session = requests.Session()
    session.mount("https://", transport)
    return AliyunBackend(
        access_key_id="testid",
        access_key_secret=SECRET,
        sign_name="甲店",
        template_code="SMS_123456",
        session=session,
        clock=lambda: dt.datetime(2026, 6, 15, 2, 30, 5, tzinfo=dt.UTC),
        nonce=lambda: "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    )


MESSAGE = SmsMessage(
    dealership_id=1, to="13812345678", text="王先生您好 *保养* ~提醒~", key="crm.sms:7:9"
)
OK = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}


def test_the_signature_is_aliyuns_documented_example():
    """The worked example of Aliyun's "RPC signature" page: these parameters and the secret
    ``testsecret`` sign to ``OLeaidS1JvxuMvnyHOwuJ+uX5qY=``."""
    params = {
        "Timestamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    assert rpc_signature(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_percent_encoding_is_aliyuns():
    assert percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


def test_the_request_carries_the_sendsms_parameters_signed():
    transport = FakeTransport(answer=OK)
    _backend(transport).send(MESSAGE)
    (request,) = transport.sent
    assert request.method == "POST" and request.url == "https://dysmsapi.aliyuncs.com/"
    assert "13812345678" not in request.url  # nothing of the message in the URL
    params = dict(parse_qsl(request.body))
    signature = params.pop("Signature")
    assert params == {
        "AccessKeyId": "testid",
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2026-06-15T02:30:05Z",
        "Version": "2017-05-25",
        "PhoneNumbers": "13812345678",
        "SignName": "甲店",
        "TemplateCode": "SMS_123456",
        "TemplateParam": '{"content":"王先生您好 *保养* ~提醒~"}',
        "OutId": "crm.sms:7:9",
    }
    assert signature == rpc_signature(params, SECRET, "POST")
    # deterministic: the same message, nonce and time sign the same
    again = FakeTransport(answer=OK)
    _backend(again).send(MESSAGE)
    assert dict(parse_qsl(again.sent[0].body))["Signature"] == signature
    assert SECRET not in request.body


def test_a_refusal_raises_with_aliyuns_code_and_nothing_secret(log):
    refusal = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "invalid mobile number"}
    with pytest.raises(SmsError) as error:
        _backend(FakeTransport(answer=refusal)).send(MESSAGE)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in str(error.value)
    assert "invalid mobile number" in str(error.value)
    with pytest.raises(SmsError, match="HTTP 500"):
        _backend(FakeTransport(status=500, answer={})).send(MESSAGE)
    with pytest.raises(SmsError, match="unreachable: ConnectionError"):
        _backend(FakeTransport(error=requests.ConnectionError("boom"))).send(MESSAGE)
    assert SECRET not in log.text and SECRET not in str(error.value)


def test_a_success_is_logged_masked(log):
    _backend(FakeTransport(answer=OK)).send(MESSAGE)
    assert "138****5678" in log.text and "13812345678" not in log.text
    assert SECRET not in log.text and "900619746936498440^0" in log.text


def test_a_missing_setting_is_named(settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "id"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ""
    settings.SMS_ALIYUN_SIGN_NAME = "甲店"
    settings.SMS_ALIYUN_TEMPLATE_CODE = ""
    with pytest.raises(
        ImproperlyConfigured, match="SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_TEMPLATE"
    ):
        AliyunBackend()


def test_send_sms_uses_the_aliyun_back_end_from_the_settings(settings, monkeypatch):
    from dealership import sms

    transport = FakeTransport(answer=OK)
    settings.SMS_BACKEND = "dealership.sms.AliyunBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "testid"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.SMS_ALIYUN_SIGN_NAME = "甲店"
    settings.SMS_ALIYUN_TEMPLATE_CODE = "SMS_1"
    original = requests.Session

    def session():
        made = original()
        made.mount("https://", transport)
        return made

    monkeypatch.setattr(requests, "Session", session)
    sms.send_sms(dealership=3, to="13912345678", text="hello", key="crm.reminder:5")
    (request,) = transport.sent
    assert dict(parse_qsl(request.body))["PhoneNumbers"] == "13912345678"
