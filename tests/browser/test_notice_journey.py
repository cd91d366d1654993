"""An OEM technical bulletin in the browser, in Chinese: the admin clerk (行政专员) registers it
with its scan and distributes it to the service advisors and the technicians; an advisor logs
in, finds it waiting on the dashboard and under the bell, opens it, downloads the scan and
acknowledges it (已阅); the clerk sees the acknowledgement recorded against the advisor while
the technician has not read it yet."""

from __future__ import annotations

import re

import pytest

from dealership.figures import local_today
from dealership.tenancy import dealership_context
from tests.browser.journey import log_in, submit
from tests.cast import build_cast
from tests.factories import PNG_BYTES, UserFactory, hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "关于K5变速箱控制单元软件升级的技术通报"


def test_a_bulletin_is_distributed_read_and_acknowledged(page, live_server):
    from org.models import Position
    from org.office.models import NoticeReceipt

    cast = build_cast()
    hire(UserFactory(username="clerk", name="行政专员王芳"), cast.a, "admin_clerk")
    hire(UserFactory(username="advisor", name="服务顾问刘洋"), cast.a, "service_advisor")
    hire(UserFactory(username="tech", name="机修技师赵磊"), cast.a, "technician")
    hire(UserFactory(username="seller", name="销售顾问孙丽"), cast.a, "sales_consultant")
    with dealership_context(cast.a):
        positions = {
            p.code: str(p.pk)
            for p in Position.objects.filter(code__in=("service_advisor", "technician"))
        }

    # the clerk registers the bulletin and sends it to two positions
    log_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/org/notices/")
    page.click("[data-testid=new-notice]")
    page.fill("[name=number]", "KIA-TSB-2026-031")
    page.fill("[name=title]", TITLE)
    page.select_option("[name=kind]", "technical_bulletin")
    page.fill("[name=issuer]", "东风悦达起亚售后服务部")
    page.fill("[name=issued_on]", f"{local_today(cast.a):%Y-%m-%d}")
    page.fill("[name=body]", "涉及车型：K5 2025款。\n进站车辆请检查TCU软件版本并升级。")
    page.set_input_files(
        "[name=attachment]",
        files=[{"name": "通报扫描件.png", "mimeType": "image/png", "buffer": PNG_BYTES}],
    )
    page.select_option("[name=positions]", list(positions.values()))
    submit(page)
    page.goto(f"{live_server.url}/org/notices/")
    row = page.locator("[data-testid=notice-table] tbody tr", has_text=TITLE)
    assert row.count() == 1
    assert "技术通报" in row.inner_text() and "0 / 2" in row.inner_text()
    row.locator("a", has_text=TITLE).click()
    page.wait_for_selector("[data-testid=receipts]")
    notice_url = page.url
    fields = page.locator("dl.row").first.inner_text()
    assert "服务顾问" in fields and "维修技师" in fields and "行政专员王芳" in fields
    receipts = page.locator("[data-testid=receipts]")
    assert "0 / 2" in receipts.inner_text()
    assert page.locator("[data-testid=unread-receipt]").count() == 2

    # a sales consultant is not a recipient: nothing waits for them
    log_in(page, live_server, "seller")
    assert page.locator("[data-testid=unread-notices]").count() == 0

    # the advisor: the dashboard and the bell say it waits; open, download, acknowledge
    log_in(page, live_server, "advisor")
    waiting = page.locator("[data-testid=unread-notices]")
    assert waiting.inner_text().strip().startswith("1")
    assert page.locator("[data-testid=bell-count]").inner_text().strip() == "1"
    waiting.click()
    page.wait_for_url(re.compile(r"/notices/\?unread=1"))
    row = page.locator("[data-testid=notice-table] tbody tr", has_text=TITLE)
    assert "未读" in row.inner_text()
    row.locator("a", has_text=TITLE).click()
    page.wait_for_selector("[data-testid=notice-body]")
    assert "TCU软件版本" in page.locator("[data-testid=notice-body]").inner_text()
    assert page.locator("[data-testid=receipts]").count() == 0, "the keeper's panel only"
    with page.expect_download() as download:
        page.click("[data-testid=notice-file]")
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == PNG_BYTES
    with page.expect_navigation():
        page.click("[data-testid=acknowledge]")
    assert "已确认阅读" in page.locator("[data-testid=messages]").inner_text()
    assert page.locator("[data-testid=acknowledged]").count() == 1
    assert page.locator("[data-testid=acknowledge]").count() == 0
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("[data-testid=unread-notices]").count() == 0
    page.goto(f"{live_server.url}/org/notices/?unread=1")
    assert page.locator("[data-testid=notice-table] tbody tr", has_text=TITLE).count() == 0

    # the clerk sees who acknowledged and who has not
    log_in(page, live_server, "clerk")
    page.goto(notice_url)
    assert "1 / 2" in page.locator("[data-testid=receipts]").inner_text()
    read = page.locator("[data-testid=read-receipt]")
    assert read.count() == 1 and "服务顾问刘洋" in read.inner_text()
    unread = page.locator("[data-testid=unread-receipt]")
    assert unread.count() == 1 and "机修技师赵磊" in unread.inner_text()
    with dealership_context(cast.a):
        receipt = NoticeReceipt.objects.get(notice__title=TITLE, staff__user__username="advisor")
        assert receipt.read_at is not None
