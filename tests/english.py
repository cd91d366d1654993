"""Fixtures for test packages that read messages in English (the pages are Chinese by default):
services run under ``translation.override("en")`` and the test clients send the language
cookie. A package's conftest imports them (``from tests.english import *``); the Chinese pages
are covered by the browser journeys and the catalogue tests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

__all__ = ["api_for", "client_for", "english"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def api_for(api_for):
    def make(user):
        api = api_for(user)
        api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return api

    return make
