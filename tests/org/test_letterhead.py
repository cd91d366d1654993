"""The dealership's letterhead (信头): address and logo of the customer's printed documents, kept
in the app by holders of ``org.change_dealership`` for the dealership they work in now."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dealership.actors import SYSTEM
from dealership.documents.service import logo_data_uri
from dealership.models import AuditEntry, Dealership
from dealership.tenancy import dealership_context, tenant_context
from dealership.tenancy.context import TenantScope
from org import services
from org.capabilities import DataScope
from org.models import PositionCapability
from org.services.letterhead import LOGO_MAX_BYTES
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

URL = "/org/letterhead/"


def image_bytes(fmt: str = "PNG", size=(120, 60), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(content: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png(name="logo.png", **kwargs):
    return upload(image_bytes("PNG", **kwargs), name)


def storage():
    return Dealership._meta.get_field("logo").storage


def stored_logos() -> set[str]:
    if not storage().exists("logos"):
        return set()
    return {f"logos/{name}" for name in storage().listdir("logos")[1]}


def fresh(dealership) -> Dealership:
    return Dealership.objects.get(pk=dealership.pk)


def letterhead_entries(dealership):
    with dealership_context(dealership):
        return list(
            AuditEntry.objects.filter(object_type="dealership.Dealership").order_by("created_at")
        )


def update(actor, dealership, **kwargs):
    kwargs.setdefault("address", fresh(dealership).address)
    with dealership_context(dealership):
        return services.dealership_letterhead_update(actor=actor, dealership=dealership, **kwargs)


@pytest.fixture
def person(cast):
    def make(code, dealership=None):
        user = UserFactory()
        hire(user, dealership or cast.a, code)
        return user

    return make


# --- the service ---------------------------------------------------------------------------------


def test_the_gm_sets_the_address_and_the_logo(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        saved = update(cast.user_a, cast.a, address="  武汉市洪山区  雄楚大道 88 号 ", logo=png())
    assert saved.address == "武汉市洪山区 雄楚大道 88 号"  # one line, as printed
    assert saved.logo.name.startswith("logos/a-") and saved.logo.name.endswith(".png")
    assert storage().exists(saved.logo.name)
    assert logo_data_uri(fresh(cast.a)).startswith("data:image/png;base64,")
    [entry] = letterhead_entries(cast.a)
    assert entry.actor == cast.user_a and entry.action == AuditEntry.Action.UPDATE
    assert entry.object_id == str(cast.a.pk) and entry.dealership_id == cast.a.pk
    assert entry.before == {"address": "", "logo": ""}
    assert entry.after == {"address": "武汉市洪山区 雄楚大道 88 号", "logo": saved.logo.name}
    assert fresh(cast.b).address == "" and not fresh(cast.b).logo


def test_a_jpeg_is_kept_as_a_jpeg(cast):
    saved = update(cast.user_a, cast.a, logo=upload(image_bytes("JPEG"), "photo.png", "image/png"))
    assert saved.logo.name.endswith(".jpg")  # by content, never by the file's name
    assert logo_data_uri(saved).startswith("data:image/jpeg;base64,")


def test_replacing_and_removing_the_logo_deletes_the_old_file_after_commit(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = update(cast.user_a, cast.a, logo=png()).logo.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = update(cast.user_a, cast.a, logo=png(color=(0, 0, 200))).logo.name
    assert first != second and storage().exists(first)  # still there until the commit
    for callback in callbacks:
        callback()
    assert not storage().exists(first) and storage().exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        removed = update(cast.user_a, cast.a, remove_logo=True)
    assert not removed.logo and not storage().exists(second)
    assert logo_data_uri(fresh(cast.a)) == ""
    entries = letterhead_entries(cast.a)
    assert [e.after["logo"] for e in entries] == [first, second, ""]
    assert entries[-1].before["logo"] == second


def test_saving_the_same_values_writes_nothing(cast):
    update(cast.user_a, cast.a, address="武汉市")
    update(cast.user_a, cast.a, address="武汉市")
    assert len(letterhead_entries(cast.a)) == 1


def _truncated_png() -> bytes:
    content = image_bytes("PNG", size=(400, 300))
    return content[: len(content) // 2]


def _too_heavy_png() -> bytes:
    """A PNG over 1 MB (noise does not compress)."""
    import os

    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    assert buffer.tell() > LOGO_MAX_BYTES
    return buffer.getvalue()


BAD_LOGOS = {
    "gif": (lambda: image_bytes("GIF"), "logo.gif", "PNG / JPEG"),
    "text named .png": (lambda: b"<svg onload=alert(1)>" * 20, "logo.png", "PNG / JPEG"),
    "truncated": (_truncated_png, "logo.png", "损坏"),
    "too many pixels": (lambda: image_bytes("PNG", size=(2400, 40)), "logo.png", "2000"),
    "too heavy": (_too_heavy_png, "logo.png", "1 MB"),
    "empty": (lambda: b"", "logo.png", "空"),
}


@pytest.mark.parametrize("case", BAD_LOGOS)
def test_a_bad_logo_is_refused_and_nothing_is_saved(cast, case):
    from django.utils import translation

    make, name, _expected = BAD_LOGOS[case]
    before = stored_logos()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        update(cast.user_a, cast.a, address="新地址", logo=upload(make(), name))
    assert set(refused.value.message_dict) == {"logo"}
    message = " ".join(refused.value.message_dict["logo"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # in Chinese
    assert fresh(cast.a).address == "" and not fresh(cast.a).logo  # not half-saved
    assert letterhead_entries(cast.a) == []
    assert stored_logos() == before


def test_bad_logo_messages_name_the_rule(cast):
    from django.utils import translation

    for case, (make, name, expected) in BAD_LOGOS.items():
        with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
            update(cast.user_a, cast.a, logo=upload(make(), name))
        message = " ".join(refused.value.message_dict["logo"])
        assert any(part in message for part in expected.split("|")), (case, message)


def test_uploading_and_removing_at_once_or_a_long_address_is_refused(cast):
    stored = stored_logos()
    with pytest.raises(ValidationError) as both:
        update(cast.user_a, cast.a, logo=png(), remove_logo=True)
    assert "logo" in both.value.message_dict
    with pytest.raises(ValidationError) as long:
        update(cast.user_a, cast.a, address="路" * 256)
    assert "address" in long.value.message_dict
    with pytest.raises(ValidationError) as control:
        update(cast.user_a, cast.a, address="武汉\x00市")
    assert "address" in control.value.message_dict
    assert letterhead_entries(cast.a) == [] and stored_logos() == stored


def test_who_may_change_the_letterhead(cast, person):
    update(person("admin_manager"), cast.a, address="行政经理改的")
    assert fresh(cast.a).address == "行政经理改的"
    for code in ("sales_consultant", "hr_manager", "admin_clerk"):
        with pytest.raises(PermissionDenied):
            update(person(code), cast.a, address="不行")
    update(SYSTEM, cast.a, address="系统")  # code acting for the dealership (the demo)
    assert fresh(cast.a).address == "系统"


def test_the_capability_counts_at_dealership_scope_only(cast, person):
    manager = person("admin_manager")
    with dealership_context(cast.a):
        PositionCapability.objects.filter(
            position__code="admin_manager", capability="org.change_dealership"
        ).update(scope=DataScope.DEPARTMENT)
    with pytest.raises(PermissionDenied):
        update(manager, cast.a, address="本部门范围不够")


def test_a_gm_of_a_cannot_change_b(cast):
    with pytest.raises(PermissionDenied):  # user_a holds nothing in B
        update(cast.user_a, cast.b, address="乙店")
    both = UserFactory()
    hire(both, cast.a, "gm")
    hire(both, cast.b, "gm")
    with dealership_context(cast.a), pytest.raises(PermissionDenied):  # working in A, naming B
        services.dealership_letterhead_update(actor=both, dealership=cast.b, address="乙店")
    assert fresh(cast.b).address == ""


def test_hq_reads_only(cast):
    scope = TenantScope.for_group(cast.group1.pk, [cast.a.pk, cast.b.pk])
    with tenant_context(scope), pytest.raises(PermissionDenied):
        services.dealership_letterhead_update(actor=cast.hq_user, dealership=cast.a, address="集团")
    assert fresh(cast.a).address == ""


def test_the_letterhead_history_is_read_by_auditors_and_keepers(cast, person):
    update(cast.user_a, cast.a, address="武汉市")
    deputy, manager, consultant = (
        person("deputy_gm"),
        person("admin_manager"),
        person("sales_consultant"),
    )
    with dealership_context(cast.a):
        for reader, sees in ((cast.user_a, 1), (deputy, 1), (manager, 1), (consultant, 0)):
            visible = AuditEntry.objects.for_user(reader, "view").filter(
                object_type="dealership.Dealership"
            )
            assert visible.count() == sees, reader
    with dealership_context(cast.b):
        assert (
            not AuditEntry.objects.for_user(cast.user_b, "view")
            .filter(object_type="dealership.Dealership")
            .exists()
        )


# --- the page ------------------------------------------------------------------------------------


def test_the_gm_sees_the_form_and_the_preview(cast, client_for):
    client = client_for(cast.user_a)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="service-form"' in html and 'enctype="multipart/form-data"' in html
    assert 'data-testid="brand-placeholder"' in html and "起亚" in html  # no logo: the brand
    assert "甲店" in html and "信头" in html
    assert 'name="remove_logo"' not in html  # nothing to remove yet
    update(cast.user_a, cast.a, address="武汉市洪山区", logo=png())
    html = client.get(URL).content.decode()
    assert 'data-testid="logo-preview"' in html and 'src="data:image/png;base64,' in html
    assert "武汉市洪山区" in html and 'name="remove_logo"' in html


def test_posting_saves_and_comes_back(cast, client_for, django_capture_on_commit_callbacks):
    client = client_for(cast.user_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"address": "武汉市江汉区", "logo": png()})
    assert response.status_code == 302 and response["Location"] == URL
    a = fresh(cast.a)
    assert a.address == "武汉市江汉区" and a.logo.name.endswith(".png")
    page = client.get(URL).content.decode()
    assert "已保存" in page and 'data-testid="logo-preview"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"address": "武汉市江汉区", "remove_logo": "on"})
    assert response.status_code == 302 and not fresh(cast.a).logo
    assert not storage().exists(a.logo.name)


def test_a_bad_upload_answers_400_with_the_reason_in_chinese(cast, client_for):
    client = client_for(cast.user_a)
    response = client.post(
        URL, {"address": "新地址", "logo": upload(b"GIF89a" + b"\0" * 64, "logo.png")}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-logo"' in html and "请选择 PNG / JPEG 格式的图片" in html
    assert fresh(cast.a).address == "" and letterhead_entries(cast.a) == []


def test_a_bad_upload_speaks_english_to_an_english_user(cast, client_for):
    from django.conf import settings

    client = client_for(cast.user_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(URL, {"logo": upload(image_bytes("PNG", size=(3000, 10)))})
    assert response.status_code == 400
    assert "3000 × 10 pixels; it may be at most 2000 × 2000" in response.content.decode()


def test_a_sales_consultant_gets_403_and_no_link(cast, client_for, person):
    consultant = client_for(person("sales_consultant"))
    assert consultant.get(URL).status_code == 403
    assert consultant.post(URL, {"address": "不行"}).status_code == 403
    assert 'data-nav="letterhead"' not in consultant.get("/dashboard/").content.decode()
    assert fresh(cast.a).address == ""


def test_the_link_is_shown_to_holders_only(cast, client_for, person):
    gm = client_for(cast.user_a)
    assert 'data-nav="letterhead"' in gm.get("/dashboard/").content.decode()
    assert 'data-testid="letterhead-link"' in gm.get("/org/chart/").content.decode()
    manager = client_for(person("admin_manager"))
    assert 'data-nav="letterhead"' in manager.get("/dashboard/").content.decode()
    assert manager.get(URL).status_code == 200
    hr = client_for(person("hr_manager"))  # edits the chart, not the letterhead
    assert 'data-testid="letterhead-link"' not in hr.get("/org/chart/").content.decode()
    assert 'data-nav="letterhead"' not in hr.get("/dashboard/").content.decode()
    assert hr.get(URL).status_code == 403


def test_hq_gets_403_and_no_link(cast, client_for):
    hq = client_for(cast.hq_user)
    assert hq.get(URL).status_code == 403
    assert hq.post(URL, {"address": "集团"}).status_code == 403
    assert 'data-nav="letterhead"' not in hq.get("/dashboard/").content.decode()
    assert 'data-testid="letterhead-link"' not in hq.get("/org/chart/").content.decode()


def test_the_page_changes_only_the_workspace_dealership(cast, client_for):
    both = UserFactory()
    hire(both, cast.a, "gm")
    hire(both, cast.b, "gm")
    client = client_for(both)
    # a dealership named in the form is ignored: the page edits the workspace's own
    client.post(URL, {"address": "甲店地址", "dealership": cast.b.pk})
    assert fresh(cast.a).address == "甲店地址" and fresh(cast.b).address == ""
    client.post("/workspace/", {"workspace": f"d:{cast.b.pk}"})
    assert "乙店" in client.get(URL).content.decode()
    client.post(URL, {"address": "乙店地址"})
    assert fresh(cast.a).address == "甲店地址" and fresh(cast.b).address == "乙店地址"
    # B's GM works in B only
    client_for(cast.user_b).post(URL, {"address": "乙店新址"})
    assert fresh(cast.a).address == "甲店地址" and fresh(cast.b).address == "乙店新址"


def test_the_printed_heading_uses_the_letterhead(cast):
    from types import SimpleNamespace

    from dealership.documents.service import page_html

    update(cast.user_a, cast.a, address="武汉市洪山区", logo=png())
    kind = SimpleNamespace(title="报价单", number=lambda obj: "BJ-1")
    quote = SimpleNamespace(dealership_id=cast.a.pk, pk=1)
    with dealership_context(cast.a):
        html = page_html(kind, quote, "<p>正文</p>", 1, cast.user_a)
    assert "武汉市洪山区" in html and 'src="data:image/png;base64,' in html


def test_the_audit_log_shows_the_change_to_the_gm(cast, client_for):
    update(cast.user_a, cast.a, address="武汉市洪山区", logo=png())
    [entry] = letterhead_entries(cast.a)
    client = client_for(cast.user_a)
    listed = client.get("/platform/audit/", {"object_type": "dealership.Dealership"})
    assert listed.status_code == 200 and f"/platform/audit/{entry.pk}/" in listed.content.decode()
    detail = client.get(f"/platform/audit/{entry.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "武汉市洪山区" in html and "地址" in html and entry.after["logo"] in html
