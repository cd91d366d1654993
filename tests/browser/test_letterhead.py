"""The letterhead page on a phone (390 px, Chinese): the GM opens it from the menu, uploads a
logo and an address, sees the heading as it prints; a file that is no image is refused with the
reason, and the page never scrolls sideways."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from dealership.models import Dealership
from tests.cast import build_cast
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_gm_keeps_the_letterhead_on_a_phone(login, page, tmp_path):
    cast = build_cast()
    logo = tmp_path / "logo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 120), (180, 20, 20)).save(buffer, format="PNG")
    logo.write_bytes(buffer.getvalue())
    fake = tmp_path / "fake.png"
    fake.write_text("这不是图片" * 20, encoding="utf-8")

    page.set_viewport_size(PHONE)
    page = login("user_a", PASSWORD)
    page.click("[data-testid=nav-toggle]")
    page.wait_for_selector("#app-sidebar.show")
    page.click("[data-nav=letterhead]")
    page.wait_for_url(re.compile(r"/org/letterhead/"))
    assert "信头" in page.locator("h1").inner_text()
    assert page.locator("[data-testid=brand-placeholder]").is_visible()
    assert _page_width(page) <= 390

    page.fill("#id_address", "武汉市洪山区雄楚大道888号（华晟汽车城内）")
    page.set_input_files("#id_logo", str(logo))
    page.click("[data-testid=service-form] button[type=submit]")
    page.wait_for_selector("[data-testid=logo-preview]")
    assert "已保存" in page.content()
    assert "雄楚大道888号" in page.locator("[data-testid=address-preview]").inner_text()
    assert _page_width(page) <= 390
    stored = Dealership.objects.get(pk=cast.a.pk)
    assert stored.address.startswith("武汉市洪山区") and stored.logo.name.endswith(".png")

    page.set_input_files("#id_logo", str(fake))
    page.click("[data-testid=service-form] button[type=submit]")
    error = page.locator("[data-testid=error-logo]")
    error.wait_for()
    assert "PNG / JPEG" in error.inner_text() and "请选择" in error.inner_text()
    assert _page_width(page) <= 390
    assert Dealership.objects.get(pk=cast.a.pk).logo.name == stored.logo.name
