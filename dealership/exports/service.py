"""Exports of lists (README, "Export"): the record of each one, the file of a background one.

A list answers ``?export=csv`` / ``?export=xlsx`` (pages) or ``?format=csv`` / ``?format=xlsx``
(API lists) itself (:mod:`dealership.exports.pages`): up to :data:`inline_rows` rows it streams
the file at once; above, :func:`export_record` queues a background export and
:func:`list_export_build` (the Celery task's body) asks the same list again, as the same person
in the same workspace, language and filters, and stores the file. Either way the export is
recorded: who, which list, which filters, the format and how many rows."""

from __future__ import annotations

import logging
import tempfile
import traceback
import urllib.parse

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dealership import queue
from dealership.exports.models import ListExport
from dealership.exports.values import csv_chunks, write_xlsx
from dealership.tenancy import dealership_context
from dealership.tenancy.context import system_context, tenant_context

logger = logging.getLogger(__name__)

EXPORT_PARAM = "export"  # ?export=csv on a page; the API's is DRF's ?format=
# what a request names that is no filter of the list
NOT_FILTERS = {EXPORT_PARAM, "format", "page", "per_page", "page_size", "cursor"}


def inline_rows() -> int:
    """Lists up to this many rows are streamed at once; longer ones go to the background."""
    return settings.EXPORT_INLINE_ROWS


def page_rows() -> int:
    """Rows read per page while exporting (the list's own page, made longer)."""
    return settings.EXPORT_PAGE_ROWS


def count_upto(rows, limit: int) -> int:
    """How many rows, counting no further than ``limit`` (one bounded query)."""
    if hasattr(rows, "order_by") and hasattr(rows, "count"):
        return rows.order_by()[:limit].count()
    return min(len(rows), limit)


def export_params(query: QueryDict) -> dict:
    """The filters and sorting of a list's address (its paging and format left out)."""
    return {
        key: values if len(values) > 1 else values[0]
        for key, values in query.lists()
        if key not in NOT_FILTERS
    }


def export_record(
    *, request, user, source: str, title: str, fmt: str, total: int, background: bool
) -> ListExport:
    """Record ``user``'s export of the list ``request`` asked for (``request`` is Django's; an
    API caller is authenticated after it, so the user is given): done at once for a streamed
    one, queued (when the transaction commits) for a background one."""
    scope = request.tenant_scope
    match = resolve(request.path_info)
    export = ListExport.objects.create(
        requested_by=user,
        dealership_id=None if scope.is_hq else scope.current_id,
        group_id=scope.group_id,
        source=source,
        route=match.view_name[:120],
        path=request.path_info[:300],
        title=str(title)[:200],
        params=export_params(request.GET),
        format=fmt,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        background=background,
        status=ListExport.Status.PENDING if background else ListExport.Status.DONE,
        rows=0 if background else total,
        total=total,
        started_at=None if background else timezone.now(),
        finished_at=None if background else timezone.now(),
    )
    logger.info(
        "Export %s of %s by user %s (%s rows, %s)",
        export.pk,
        export.route,
        user.pk,
        total,
        "background" if background else "inline",
    )
    if background:
        queue.enqueue_list_export(export.pk)
    return export


# --- the background export -------------------------------------------------------------------


def _claimable(now) -> Q:
    stale = now - settings.JOBS_STALE_AFTER
    return Q(status=ListExport.Status.PENDING) | Q(
        status=ListExport.Status.RUNNING, started_at__lt=stale
    )


def list_export_build(*, export_id: int) -> ListExport | None:
    """Make a queued export's file: claim it (a second delivery of the task, or a second worker,
    finds nothing to do), then ask the list again as its requester. A failure is recorded on
    the export and told to the requester, never lost."""
    with system_context():
        now = timezone.now()
        claimed = ListExport.objects.filter(_claimable(now), pk=export_id).update(
            status=ListExport.Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            finished_at=None,
            rows=0,
            error="",
        )
        export = ListExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None or not claimed:
        return export
    try:
        _run_list(export)
    except Exception:  # recorded on the export and told, never lost
        logger.exception("Export %s failed", export_id)
        with system_context():
            ListExport.objects.filter(pk=export_id).update(
                status=ListExport.Status.FAILED,
                error=traceback.format_exc(limit=20),
                finished_at=timezone.now(),
            )
    with system_context():
        export.refresh_from_db()
        _tell(export)
    return export


def list_exports_dispatch(*, now=None) -> list[int]:
    """Queue again the exports left waiting (their task lost while the broker was down) or left
    running by a worker that died: run by the scheduler's report pass, so nothing is lost."""
    now = now or timezone.now()
    waiting = Q(
        status=ListExport.Status.PENDING, created_at__lt=now - settings.EXPORT_REQUEUE_AFTER
    )
    lost = Q(status=ListExport.Status.RUNNING, started_at__lt=now - settings.JOBS_STALE_AFTER)
    with system_context():
        ids = list(ListExport.objects.filter(waiting | lost).values_list("pk", flat=True))
    for export_id in ids:
        queue.enqueue_list_export(export_id)
    return ids


def _workspace_key(export: ListExport) -> str:
    return f"g:{export.group_id}" if export.group_id else f"d:{export.dealership_id}"


def rebuilt_request(export: ListExport) -> HttpRequest:
    """The request that asked for ``export``, as its requester now is: their current rights in
    the same workspace (none left: the list answers 403 and the export fails), the same filters
    and language. Marked ``export_job`` so the list writes the file instead of answering."""
    from dealership.selectors import user_workspaces
    from dealership.tenancy.resolve import SESSION_KEY, resolve_scope

    user = export.requested_by
    site = urllib.parse.urlsplit(settings.SITE_URL)
    query = QueryDict(mutable=True)
    for key, value in export.params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    query[EXPORT_PARAM if export.source == ListExport.Source.PAGE else "format"] = export.format
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = export.path
    request.GET = query
    request.META = {
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": query.urlencode(),
        "HTTP_HOST": site.netloc or "localhost",
        "SERVER_NAME": site.hostname or "localhost",
        "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
        "wsgi.url_scheme": site.scheme or "http",
        "REMOTE_ADDR": "127.0.0.1",
    }
    request.user = user
    request._force_auth_user = user  # the API's views authenticate it as the requester
    request._dont_enforce_csrf_checks = True
    request.session = {SESSION_KEY: _workspace_key(export)}
    request.workspaces = user_workspaces(user)
    request.tenant_scope = resolve_scope(
        user, choice=_workspace_key(export), workspaces=request.workspaces
    )
    request.LANGUAGE_CODE = export.language
    request.export_job = export
    return request


def _run_list(export: ListExport) -> None:
    request = rebuilt_request(export)
    scope = request.tenant_scope
    if scope is None or _workspace_key(export) not in {w.key for w in request.workspaces}:
        raise PermissionError("The requester no longer works in this workspace.")
    try:
        match = resolve(export.path)
    except Resolver404:
        raise LookupError(f"The list {export.path} no longer exists.") from None
    with tenant_context(scope), translation.override(export.language):
        response = match.func(request, *match.args, **match.kwargs)
    if getattr(response, "status_code", None) != 204:
        raise RuntimeError(f"The list answered {getattr(response, 'status_code', response)}.")


def export_counted(export: ListExport, rows) -> None:
    """A background export counts its list before writing it (the progress' "of")."""
    total = count_upto(rows, 2**31 - 1)
    with system_context():
        ListExport.objects.filter(pk=export.pk).update(total=total)


def export_store(export: ListExport, title: str, header: list[str], rows) -> None:
    """Write a background export's file (called by the list, inside the requester's scope) and
    record it done; the rows written so far are recorded every 500 rows."""

    def progress(count: int) -> None:
        with system_context(), transaction.atomic():
            ListExport.objects.filter(pk=export.pk).update(rows=count)

    with tempfile.TemporaryFile() as file:
        if export.format == ListExport.Format.XLSX:
            count = write_xlsx(file, title, header, rows, progress=progress)
        else:
            count = 0
            counted = _counting(rows, progress)
            for chunk in csv_chunks(header, counted):
                file.write(chunk)
            count = counted.count
        file.seek(0)
        with system_context():
            export.file.save(export.filename, File(file), save=False)
            ListExport.objects.filter(pk=export.pk).update(
                file=export.file.name,
                rows=count,
                status=ListExport.Status.DONE,
                finished_at=timezone.now(),
            )


class _counting:
    def __init__(self, rows, progress):
        self.rows, self.progress, self.count = rows, progress, 0

    def __iter__(self):
        for row in self.rows:
            yield row
            self.count += 1
            if self.count % 500 == 0:
                self.progress(self.count)


def _tell(export: ListExport) -> None:
    """The requester is told in the notification centre: the link to the file, or the failure."""
    from dealership.models import Dealership
    from dealership.notifications import notify

    dealership = export.dealership_id or (
        Dealership.objects.filter(group_id=export.group_id, is_active=True)
        .order_by("code")
        .values_list("pk", flat=True)
        .first()
    )
    if dealership is None:
        return
    if export.status not in (ListExport.Status.DONE, ListExport.Status.FAILED):
        return
    done = export.status == ListExport.Status.DONE
    subject = (
        format_lazy(
            _("Your export is ready: {title} ({rows} rows)"), title=export.title, rows=export.rows
        )
        if done
        else format_lazy(_("Your export failed: {title}"), title=export.title)
    )
    try:
        with dealership_context(dealership):
            notify(
                "platform.export_ready" if done else "platform.export_failed",
                [export.requested_by],
                subject,
                obj=export,
                key=f"listexport:{export.pk}:{export.status}:{export.attempts}",
                dealership=Dealership.objects.get(pk=dealership),
            )
    except Exception:  # telling must never hide the export itself, which is recorded
        logger.exception("Could not tell the requester of export %s", export.pk)
