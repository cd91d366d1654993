"""Export of every list (issue #20): the list on the screen as CSV or XLSX — its filters, its
columns, the viewer's rows and masking, numbers as numbers and dates as dates — streamed at once
up to the row limit, made in the background above it (progress, the file, a notification with
the link); every export recorded; the same on the API with ``?format=``; bad input 400; the
record and the files only for who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from crm.models import Customer, Vehicle
from dealership.exports.models import ListExport
from dealership.exports.service import list_export_build, list_exports_dispatch
from dealership.exports.values import cell
from dealership.models import Notification
from dealership.tenancy import dealership_context, system_context
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)
CUSTOMERS = "/crm/customers/"
VEHICLES = "/crm/vehicles/"
API_CUSTOMERS = "/api/v1/crm/customers/"


def _person(dealership, code):
    user = UserFactory(username=f"export_{code}_{next(_serial)}", name=f"导出{code}")
    hire(user, dealership, code)
    return user


def _customer(dealership, name, *, owner=None, vehicles=0, registered=None):
    with dealership_context(dealership):
        customer = Customer.objects.create(
            dealership=dealership, name=name, mobile=f"139{next(_serial):08d}", owner=owner
        )
        for _ in range(vehicles):
            Vehicle.objects.create(
                dealership=dealership,
                owner=customer,
                vin=f"LSVEXPORT{next(_serial):08d}",
                plate=f"粤A{next(_serial):05d}",
                brand="起亚",
                model="K5",
                registration_date=registered,
            )
        return customer


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads the Chinese only with the byte-order mark
    return list(csv.reader(io.StringIO(body[1:])))


def _xlsx(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _exports(**filters):
    with system_context():
        return list(ListExport.objects.filter(**filters).order_by("pk"))


# --- the cell ------------------------------------------------------------------------------------


def test_cells_keep_numbers_and_dates_and_never_carry_a_formula():
    from decimal import Decimal

    assert cell(3) == 3 and cell(Decimal("12.50")) == Decimal("12.50")
    assert cell(dt.date(2026, 11, 3)) == dt.date(2026, 11, 3)
    aware = dt.datetime(2026, 11, 3, 1, 30, tzinfo=dt.UTC)
    assert cell(aware) == dt.datetime(2026, 11, 3, 9, 30)  # Asia/Shanghai, no time zone
    assert cell('<a href="/x/">王<b>五</b></a>') == "王五"
    assert cell('=HYPERLINK("http://evil")').startswith("'=")
    assert cell("—") == "" and cell(None) == ""


# --- a page's list -------------------------------------------------------------------------------


def test_the_customer_list_exports_as_csv_with_its_columns_filters_and_masked_phones(
    cast, client_for
):
    specialist = _person(cast.a, "cr_specialist")  # reads customers, phones masked
    wang = _customer(cast.a, "王导出", vehicles=2)
    _customer(cast.a, "李不在")  # filtered out
    _customer(cast.b, "王别店")  # another dealership
    response = client_for(specialist).get(CUSTOMERS, {"q": "王", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="customer-' in response["Content-Disposition"]
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    page = client_for(specialist).get(CUSTOMERS, {"q": "王"})
    assert header == [str(column.header) for column in page.context["table"].columns]
    assert header[:3] == ["名称", "类型", "手机号"]  # in the viewer's language
    assert [row[0] for row in body] == ["王导出"]
    assert body[0][2] == f"{wang.mobile[:3]}****{wang.mobile[-4:]}"  # as the page shows it
    assert wang.mobile not in "".join(body[0])
    assert body[0][6] == "2"
    (export,) = _exports(requested_by=specialist)
    assert (export.route, export.format, export.rows, export.status) == (
        "crm:customer_list",
        "csv",
        1,
        ListExport.Status.DONE,
    )
    assert export.params == {"q": "王"} and export.dealership_id == cast.a.pk
    assert not export.background and not export.file


def test_xlsx_keeps_numbers_as_numbers_and_dates_as_dates(cast, client_for):
    gm = cast.user_a
    _customer(cast.a, "赵车主", vehicles=1, registered=dt.date(2024, 5, 6))
    response = client_for(gm).get(VEHICLES, {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _xlsx(b"".join(response.streaming_content))
    assert rows[0][:2] == ("车架号(VIN)", "车牌号")
    # the registration date is a date cell (read back as a datetime), not the text "2024-05-06"
    assert dt.datetime(2024, 5, 6) in rows[1]
    customers = client_for(gm).get(CUSTOMERS, {"export": "xlsx"})
    table = _xlsx(b"".join(customers.streaming_content))
    assert table[1][table[0].index("车辆")] == 1  # a number, not "1"


def test_the_export_follows_the_lists_sorting_and_reads_every_page(cast, client_for, settings):
    settings.EXPORT_PAGE_ROWS = 10  # three pages of rows
    for n in range(23):
        _customer(cast.a, f"客户{n:02d}")
    rows = _csv(client_for(cast.user_a).get(CUSTOMERS, {"export": "csv"}))[1:]
    assert len(rows) == 23
    assert len({row[0] for row in rows}) == 23  # no page read twice, none left out
    page = client_for(cast.user_a).get(CUSTOMERS)
    first_on_screen = page.context["table"].paginated_rows[0].record.name
    assert rows[0][0] == first_on_screen


def test_reading_the_pages_costs_the_same_whatever_the_rows(cast, client_for, settings):
    settings.EXPORT_PAGE_ROWS = 10
    client = client_for(cast.user_a)

    def statements():
        with CaptureQueriesContext(connection) as queries:
            _csv(client.get(CUSTOMERS, {"export": "csv"}))
        return len(queries.captured_queries)

    for n in range(5):
        _customer(cast.a, f"甲{n}")
    few = statements()
    for n in range(5):
        _customer(cast.a, f"乙{n}")
    assert statements() == few  # one page either way: nothing per row


def test_a_list_above_the_limit_is_exported_in_the_background(
    cast, client_for, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 3
    specialist = _person(cast.a, "cr_specialist")
    customers = [_customer(cast.a, f"后台{n}") for n in range(5)]
    client = client_for(specialist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(CUSTOMERS, {"export": "xlsx", "q": "后台"})
    (export,) = _exports(requested_by=specialist)
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    # in the tests Celery runs in the process: the file was made when the request committed
    assert (export.status, export.rows, export.total, export.background) == ("done", 5, 5, True)
    detail = client.get(export.get_absolute_url())
    assert 'data-testid="download"' in detail.content.decode()
    file = client.get(reverse("platform:export_file", kwargs={"pk": export.pk}))
    rows = _xlsx(b"".join(file.streaming_content))
    assert len(rows) == 6
    assert customers[0].mobile not in str(rows)  # masked as on the page
    with dealership_context(cast.a):
        told = Notification.objects.get(recipient=specialist, kind="platform.export_ready")
    assert told.object_id == str(export.pk) and "5" in told.subject_zh


def test_a_background_export_is_made_once_and_a_lost_one_is_queued_again(
    cast, client_for, settings
):
    settings.EXPORT_INLINE_ROWS = 1
    for n in range(3):
        _customer(cast.a, f"丢失{n}")
    from unittest import mock

    with mock.patch("dealership.queue.enqueue_list_export") as lost:  # the broker is down
        client_for(cast.user_a).get(CUSTOMERS, {"export": "csv"})
    assert lost.called
    (export,) = _exports(requested_by=cast.user_a)
    assert export.status == ListExport.Status.PENDING
    later = export.created_at + settings.EXPORT_REQUEUE_AFTER + dt.timedelta(seconds=1)
    with mock.patch("dealership.exports.service.queue.enqueue_list_export") as queued:
        assert list_exports_dispatch(now=later) == [export.pk]
    queued.assert_called_once_with(export.pk)
    assert list_export_build(export_id=export.pk).status == ListExport.Status.DONE
    assert list_export_build(export_id=export.pk).attempts == 1  # a second delivery: nothing
    assert list_exports_dispatch(now=later) == []
    with dealership_context(cast.a):
        assert Notification.objects.filter(recipient=cast.user_a).count() == 1


def test_a_requester_who_lost_the_list_gets_a_failed_export_not_the_rows(
    cast, client_for, settings
):
    settings.EXPORT_INLINE_ROWS = 1
    specialist = _person(cast.a, "cr_specialist")
    for n in range(3):
        _customer(cast.a, f"撤权{n}")
    from unittest import mock

    with mock.patch("dealership.queue.enqueue_list_export"):
        client_for(specialist).get(CUSTOMERS, {"export": "csv"})
    (export,) = _exports(requested_by=specialist)
    from dealership.access_cache import invalidate
    from dealership.models import Membership

    Membership.objects.filter(user=specialist).update(is_active=False)  # left the dealership
    invalidate()
    built = list_export_build(export_id=export.pk)
    assert built.status == ListExport.Status.FAILED and not built.file


def test_bad_export_input_answers_400_and_records_nothing(cast, client_for):
    client = client_for(cast.user_a)
    response = client.get(CUSTOMERS, {"export": "pdf"})
    assert response.status_code == 400
    assert "csv" in response.content.decode()
    assert _exports() == []


def test_every_list_page_offers_its_export_to_who_opens_it(cast, client_for):
    body = client_for(cast.user_a).get(CUSTOMERS).content.decode()
    assert 'data-testid="export-links"' in body
    assert "export=csv" in body and "export=xlsx" in body


# --- who sees the record and the files -------------------------------------------------------------


def test_the_record_and_the_file_are_the_requesters(
    cast, client_for, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 1
    specialist = _person(cast.a, "cr_specialist")
    colleague = _person(cast.a, "cr_specialist")
    for n in range(3):
        _customer(cast.a, f"文件{n}")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(specialist).get(CUSTOMERS, {"export": "csv"})
    (export,) = _exports(requested_by=specialist)
    detail = export.get_absolute_url()
    file = reverse("platform:export_file", kwargs={"pk": export.pk})
    assert client_for(colleague).get(detail).status_code == 404  # not in their record
    assert client_for(colleague).get(file).status_code == 404
    assert client_for(cast.user_b).get(detail).status_code == 404  # another dealership
    assert client_for(cast.hq_user).get(file).status_code == 404
    assert client_for(specialist).get(file).status_code == 200
    # the GM reads the export log (who exported what) but not another person's file
    assert client_for(cast.user_a).get(detail).status_code == 200
    assert client_for(cast.user_a).get(file).status_code == 403
    log = client_for(cast.user_a).get(reverse("platform:export_list")).content.decode()
    assert detail in log
    own = client_for(colleague).get(reverse("platform:export_list")).content.decode()
    assert detail not in own


# --- the API -------------------------------------------------------------------------------------


def test_an_api_list_exports_with_format_csv_and_xlsx(cast, api_for):
    specialist = _person(cast.a, "cr_specialist")
    wang = _customer(cast.a, "王接口", vehicles=1)
    _customer(cast.b, "王乙店")
    api = api_for(specialist)
    response = api.get(API_CUSTOMERS, {"format": "csv"})
    assert response.status_code == 200, response.content[:300]
    rows = _csv(response)
    names = [dict(zip(rows[0], row, strict=False)).get("name") for row in rows[1:]]
    assert names == ["王接口"]
    assert wang.mobile not in str(rows)
    xlsx = api.get(API_CUSTOMERS, {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert _xlsx(b"".join(xlsx.streaming_content))[1][0] is not None
    (first, second) = _exports(requested_by=specialist)
    assert (first.source, first.format, second.format) == ("api", "csv", "xlsx")


def test_the_api_answers_202_above_the_limit_and_the_status_names_the_file(
    cast, api_for, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 1
    for n in range(3):
        _customer(cast.a, f"接口后台{n}")
    api = api_for(cast.user_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.get(API_CUSTOMERS, {"format": "csv"})
    assert response.status_code == 202, response.content[:300]
    status = api.get(response.json()["url"])
    assert status.status_code == 200
    assert status.json()["status"] == "done" and status.json()["rows"] == 3
    file = api.get(status.json()["file_url"])
    assert file.status_code == 200
    assert len(_csv(file)) == 4


def test_only_lists_export_and_unknown_formats_are_refused(cast, api_for):
    customer = _customer(cast.a, "单个")
    api = api_for(cast.user_a)
    assert api.get(f"{API_CUSTOMERS}{customer.pk}/", {"format": "csv"}).status_code == 404
    assert api.get(API_CUSTOMERS, {"format": "pdf"}).status_code == 404


def test_hq_exports_its_groups_rows_and_its_record_is_the_groups(cast, client_for):
    _customer(cast.a, "集团甲")
    _customer(cast.b, "集团乙")
    _customer(cast.c, "别的集团")
    rows = _csv(client_for(cast.hq_user).get(CUSTOMERS, {"export": "csv"}))[1:]
    assert sorted(row[0] for row in rows) == ["集团乙", "集团甲"]
    (export,) = _exports(requested_by=cast.hq_user)
    assert (export.group_id, export.dealership_id) == (cast.group1.pk, None)
    # a dealership of the group does not see the HQ's record, and the HQ not a dealership's
    assert client_for(cast.user_a).get(export.get_absolute_url()).status_code == 404
    assert client_for(cast.hq_user).get(export.get_absolute_url()).status_code == 200


def test_the_api_record_is_the_callers_and_the_file_only_theirs(
    cast, api_for, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 1
    specialist = _person(cast.a, "cr_specialist")
    for n in range(2):
        _customer(cast.a, f"记录{n}")
    with django_capture_on_commit_callbacks(execute=True):
        url = api_for(specialist).get(API_CUSTOMERS, {"format": "xlsx"}).json()["url"]
    colleague = _person(cast.a, "cr_specialist")
    assert api_for(colleague).get(url).status_code == 404
    assert api_for(cast.user_b).get(url).status_code == 404
    gm = api_for(cast.user_a)  # reads the log: the record, without the file
    assert gm.get(url).status_code == 200 and gm.get(url).json()["file_url"] is None
    assert gm.get(f"{url}file/").status_code == 403
    listed = api_for(specialist).get("/api/v1/platform/exports/").json()["results"]
    assert [item["id"] for item in listed] == [int(url.rstrip("/").rsplit("/", 1)[1])]
