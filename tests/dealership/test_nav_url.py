"""The shell's nav links are reversed once and remembered (``dealership.registry.nav_url``):
the remembered URL must still follow the script prefix and the URL conf it was reversed under."""

from __future__ import annotations

from django.test import override_settings
from django.urls import clear_script_prefix, path, reverse, set_script_prefix

from dealership.registry import NavItem, nav_url


def _nowhere(request):  # pragma: no cover - only reversed
    raise AssertionError


urlpatterns = [path("elsewhere/home/", _nowhere, name="home")]


def test_a_nav_entry_links_where_reverse_does():
    item = NavItem("n", "Notifications", "notifications:list")
    assert item.url == reverse("notifications:list") == "/notifications/"
    assert item.url == "/notifications/"  # the remembered answer is the same


def test_the_remembered_url_follows_the_script_prefix():
    assert nav_url("notifications:list") == "/notifications/"
    set_script_prefix("/erp/")
    try:
        assert nav_url("notifications:list") == "/erp/notifications/"
    finally:
        clear_script_prefix()
    assert nav_url("notifications:list") == "/notifications/"


def test_the_remembered_url_follows_the_url_conf():
    home = reverse("home")
    assert nav_url("home") == home
    with override_settings(ROOT_URLCONF=__name__):
        assert nav_url("home") == "/elsewhere/home/"
    assert nav_url("home") == home != "/elsewhere/home/"
