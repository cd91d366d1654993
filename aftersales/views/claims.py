"""HTML views of after-sales: claims — warranty claims (索赔: list, create from a repair
order's warranty lines, edit while draft, submit / approve / reject / pay, photos served only
through the claim's access check), technical cases and quality feedback, the service board,
the after-sales info clerk's day confirmation; the dashboard panels "Service today" and
"Claims".

Every number comes from :mod:`aftersales.selectors.claims` (read through the access
chokepoint); every write calls :mod:`aftersales.services.claims`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from aftersales import services
from aftersales.forms.claims import (
    ACTION_FORMS,
    CaseFilterForm,
    CaseForm,
    ClaimFilterForm,
    ClaimForm,
    PhotoForm,
)
from aftersales.models import (
    ClaimStatus,
    RepairOrder,
    ServiceDayConfirmation,
    ServiceTarget,
    TechnicalCase,
    WarrantyClaim,
    WarrantyClaimPhoto,
)
from aftersales.selectors import claims as selectors
from aftersales.services.claims import PHOTO_TYPES, may_confirm_service_days
from aftersales.tables.claims import CaseTable, ClaimTable
from crm.models import Vehicle
from crm.services.privacy import phone_shown
from dealership.access import can, check_model_permission, get_object_for_user, permitted_ids
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    TenantRequiredMixin,
    apply_errors,
)


def optional_url(name: str, *args) -> str | None:
    """The URL of ``name``, or ``None`` while the page does not exist yet (another area's)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def repair_order_url(user, order_id) -> str | None:
    if order_id is None or not permitted_ids(user, RepairOrder, "view", [order_id]):
        return None
    return optional_url("aftersales:repairorder_detail", order_id)


# --- warranty claims ----------------------------------------------------------------------------


class ClaimListView(ScopedListView):
    model = WarrantyClaim
    table_class = ClaimTable
    template_name = "aftersales/claims/claim_list.html"

    def get_queryset(self):
        self.filter_form = ClaimFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.claims_for_user(
            self.request.user,
            q=data.get("q", ""),
            status=data.get("status", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            repair_order=data.get("repair_order"),
            sort=data.get("sort", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["filter_form"] = self.filter_form
        context["may_add"] = can(user, WarrantyClaim, "add")
        context["may_view_cases"] = can(user, TechnicalCase, "view")
        return context


class _ClaimFormView(TenantRequiredMixin, View):
    """The claim's lines, fault description and code (create from ``?repair_order=<pk>``, or
    edit a draft)."""

    model = WarrantyClaim
    template_name = "aftersales/claims/claim_form.html"

    def render_form(self, form, order, claim=None, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "order": order,
                "object": claim,
                "taken": form.taken,
                "cancel_url": claim.get_absolute_url()
                if claim
                else reverse("aftersales:warrantyclaim_list"),
            },
            status=status,
        )


class ClaimCreateView(_ClaimFormView):
    def _order(self, request):
        check_model_permission(request.user, WarrantyClaim, "add")
        raw = (request.GET.get("repair_order") or request.POST.get("repair_order") or "").strip()
        number = (request.GET.get("number") or "").strip()[:20]
        if not raw and number:
            found = (
                RepairOrder.objects.for_user(request.user, "view")
                .filter(number=number)
                .values_list("pk", flat=True)
                .first()
            )
            if found is None:
                return None, _("No repair order with this number.")
            raw = str(found)
        if not raw:
            return None, None
        if not raw.isdigit():
            return None, _("Choose a repair order.")
        return get_object_for_user(request.user, RepairOrder, "view", pk=int(raw)), None

    def _choose(self, request, error=None):
        return render(
            request,
            "aftersales/claims/claim_choose.html",
            {"error": error, "number": request.GET.get("number", "")[:20]},
            status=400 if error else 200,
        )

    def get(self, request):
        order, error = self._order(request)
        if order is None:
            return self._choose(request, error)
        form = ClaimForm(lines=selectors.warranty_lines(request.user, order))
        return self.render_form(form, order)

    def post(self, request):
        order, error = self._order(request)
        if order is None:
            return self._choose(request, error or _("Choose a repair order."))
        form = ClaimForm(request.POST, lines=selectors.warranty_lines(request.user, order))
        if form.is_valid():
            try:
                claim = services.warranty_claim_create(
                    actor=request.user, repair_order_id=order.pk, **form.service_kwargs()
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Claim %(n)s saved as a draft.") % {"n": claim.number})
                return redirect(claim.get_absolute_url())
        return self.render_form(form, order, status=400)


class ClaimEditView(_ClaimFormView):
    def _claim(self, request, pk):
        claim = get_object_for_user(
            request.user, WarrantyClaim, "change", selectors.claim_detail_queryset(), pk=pk
        )
        return claim

    def _form(self, request, claim, data=None):
        lines = selectors.warranty_lines(request.user, claim.repair_order, claim)
        initial = {
            "lines": [str(pk) for pk in claim.claim_lines.values_list("line_id", flat=True)],
            "fault_description": claim.fault_description,
            "fault_code": claim.fault_code,
        }
        return ClaimForm(data, initial=initial, lines=lines)

    def get(self, request, pk):
        claim = self._claim(request, pk)
        if claim.status != ClaimStatus.DRAFT:
            messages.error(request, _("Only a draft claim can be changed."))
            return redirect(claim.get_absolute_url())
        return self.render_form(self._form(request, claim), claim.repair_order, claim)

    def post(self, request, pk):
        claim = self._claim(request, pk)
        form = self._form(request, claim, request.POST)
        if form.is_valid():
            try:
                claim = services.warranty_claim_update(
                    actor=request.user, claim_id=claim.pk, **form.service_kwargs()
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(claim.get_absolute_url())
        return self.render_form(form, claim.repair_order, claim, status=400)


class ClaimDetailView(ScopedDetailView):
    model = WarrantyClaim
    template_name = "aftersales/claims/claim_detail.html"

    def base_queryset(self):
        return selectors.claim_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(claim_context(self.request, self.object))
        return context


def claim_context(request, claim, forms=None) -> dict:
    user = request.user
    may_change = bool(permitted_ids(user, WarrantyClaim, "change", [claim.pk]))
    status = claim.status
    forms = forms or {}
    actions = {}
    if may_change:
        wanted = {
            ClaimStatus.DRAFT: ("submit",),
            ClaimStatus.SUBMITTED: ("approve", "reject"),
            ClaimStatus.APPROVED: ("pay",),
        }.get(status, ())
        for name in wanted:
            actions[name] = forms.get(name) or ACTION_FORMS[name](prefix=name)
    customer = claim.repair_order.customer
    return {
        "lines": selectors.claim_lines(claim),
        "photos": list(claim.photos.all()),
        "may_change": may_change,
        "may_edit": may_change and status == ClaimStatus.DRAFT,
        "may_add_photo": may_change and status in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED),
        "may_delete_photo": may_change and status == ClaimStatus.DRAFT,
        "photo_form": forms.get("photo") or PhotoForm(),
        "actions": actions,
        "order_url": repair_order_url(user, claim.repair_order_id),
        "mobile": phone_shown(user=user, customer=customer, context=request.path),
    }


class ClaimActionView(TenantRequiredMixin, View):
    """POST a state move of a claim (``submit``, ``approve``, ``reject``, ``pay``); a refused
    move answers 400 with the claim's page and the message."""

    model = WarrantyClaim
    action = ""
    services = {
        "submit": "warranty_claim_submit",
        "approve": "warranty_claim_approve",
        "reject": "warranty_claim_reject",
        "pay": "warranty_claim_pay",
    }
    done = {
        "submit": gettext_lazy("The claim is submitted to the OEM."),
        "approve": gettext_lazy("The claim is approved."),
        "reject": gettext_lazy("The claim is rejected."),
        "pay": gettext_lazy("The claim is paid."),
    }

    def post(self, request, pk):
        claim = get_object_for_user(
            request.user, WarrantyClaim, "change", selectors.claim_detail_queryset(), pk=pk
        )
        form = ACTION_FORMS[self.action](request.POST, prefix=self.action)
        if form.is_valid():
            service = getattr(services, self.services[self.action])
            try:
                service(actor=request.user, claim_id=claim.pk, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
                if hasattr(error, "error_dict") and "status" in error.error_dict:
                    messages.error(request, " ".join(error.error_dict["status"][0].messages))
            else:
                messages.success(request, str(self.done[self.action]))
                return redirect(claim.get_absolute_url())
        return _claim_page(request, claim, {self.action: form})


def _claim_page(request, claim, forms):
    claim = selectors.claim_detail_queryset().get(pk=claim.pk)
    context = {"object": claim, "warrantyclaim": claim}
    context.update(claim_context(request, claim, forms))
    return render(request, "aftersales/claims/claim_detail.html", context, status=400)


class ClaimPhotoAddView(TenantRequiredMixin, View):
    """POST ``photo`` (multipart): a photo of the fault on the claim."""

    model = WarrantyClaim

    def post(self, request, pk):
        claim = get_object_for_user(
            request.user, WarrantyClaim, "change", selectors.claim_detail_queryset(), pk=pk
        )
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.warranty_claim_photo_add(
                    actor=request.user, claim_id=claim.pk, file=form.cleaned_data["photo"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Photo added."))
                return redirect(claim.get_absolute_url())
        return _claim_page(request, claim, {"photo": form})


class ClaimPhotoDeleteView(TenantRequiredMixin, View):
    """POST: remove a photo of a draft claim."""

    model = WarrantyClaimPhoto

    def post(self, request, pk):
        photo = get_object_for_user(request.user, WarrantyClaimPhoto, "change", pk=pk)
        try:
            services.warranty_claim_photo_delete(actor=request.user, photo_id=photo.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Photo removed."))
        return redirect(reverse("aftersales:warrantyclaim_detail", args=[photo.claim_id]))


class ClaimPhotoView(TenantRequiredMixin, View):
    """A claim's photo, only for who may see the claim; checked again by content."""

    def get(self, request, pk):
        import filetype

        photo = get_object_for_user(request.user, WarrantyClaimPhoto, "view", pk=pk)
        get_object_for_user(request.user, WarrantyClaim, "view", pk=photo.claim_id)
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, ValueError, OSError):
            raise Http404(_("Not found.")) from None
        kind = filetype.guess(handle.read(8192))
        handle.seek(0)
        if kind is None or kind.mime not in PHOTO_TYPES:
            handle.close()
            raise Http404(_("Not found."))
        response = FileResponse(
            handle,
            content_type=kind.mime,
            as_attachment="download" in request.GET,
            filename=f"claim-{photo.claim_id}-{photo.pk}{PHOTO_TYPES[kind.mime]}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'"
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_exempt = True
        response["Cache-Control"] = "private, no-store"
        return response


# --- the board's tabs ---------------------------------------------------------------------------


def tabs_context(user, tab: str) -> dict:
    return {
        "tab": tab,
        "tab_board": can(user, ServiceDayConfirmation, "view"),
        "tab_daily": can(user, RepairOrder, "view"),
        "tab_cases": can(user, TechnicalCase, "view"),
        "tab_targets": can(user, ServiceTarget, "view"),
    }


# --- technical cases ----------------------------------------------------------------------------


class CaseListView(ScopedListView):
    model = TechnicalCase
    table_class = CaseTable
    template_name = "aftersales/claims/case_list.html"

    def get_queryset(self):
        self.filter_form = CaseFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.cases_for_user(
            self.request.user,
            q=data.get("q", ""),
            kind=data.get("kind", ""),
            reported=data.get("reported", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            sort=data.get("sort", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["may_add"] = can(self.request.user, TechnicalCase, "add")
        context.update(tabs_context(self.request.user, "cases"))
        return context


class CaseDetailView(ScopedDetailView):
    model = TechnicalCase
    template_name = "aftersales/claims/case_detail.html"

    def base_queryset(self):
        return selectors.case_detail_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, case = self.request.user, self.object
        context["may_change"] = bool(permitted_ids(user, TechnicalCase, "change", [case.pk]))
        context["order_url"] = repair_order_url(user, case.repair_order_id)
        context["vehicle_url"] = (
            case.vehicle.get_absolute_url()
            if case.vehicle_id and permitted_ids(user, Vehicle, "view", [case.vehicle_id])
            else None
        )
        context.update(tabs_context(user, "cases"))
        return context


class _CaseFormView(TenantRequiredMixin, View):
    model = TechnicalCase
    template_name = "platform/form.html"

    def _resolve(self, request, form) -> dict | None:
        """The repair order and vehicle named in the form, read through the chokepoint (a
        number or VIN the user may not see is a field error)."""
        data = form.cleaned_data
        found = {"repair_order": None, "vehicle": None}
        number = (data.get("repair_order_number") or "").strip()
        if number:
            order = (
                RepairOrder.objects.for_user(request.user, "view")
                .filter(number=number)
                .values_list("pk", flat=True)
                .first()
                if can(request.user, RepairOrder, "view")
                else None
            )
            if order is None:
                form.add_error("repair_order_number", _("No repair order with this number."))
                return None
            found["repair_order"] = order
        vin = (data.get("vin") or "").strip().upper()
        if vin:
            vehicle = (
                Vehicle.objects.for_user(request.user, "view")
                .filter(vin=vin)
                .values_list("pk", flat=True)
                .first()
                if can(request.user, Vehicle, "view")
                else None
            )
            if vehicle is None:
                form.add_error("vin", _("No vehicle with this VIN."))
                return None
            found["vehicle"] = vehicle
        return found

    def _kwargs(self, form, links) -> dict:
        data = form.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"],
            "occurred_on": data["occurred_on"],
            "reported_on": data.get("reported_on"),
            **links,
        }

    def render_form(self, form, case, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": case,
                "title": _("Change the technical case") if case else _("New technical case"),
                "cancel_url": case.get_absolute_url()
                if case
                else reverse("aftersales:technicalcase_list"),
            },
            status=status,
        )

    def _save(self, request, form, case):
        if form.is_valid():
            links = self._resolve(request, form)
            if links is not None:
                try:
                    if case is None:
                        case = services.technical_case_create(
                            actor=request.user, **self._kwargs(form, links)
                        )
                    else:
                        case = services.technical_case_update(
                            actor=request.user, case_id=case.pk, **self._kwargs(form, links)
                        )
                except ValidationError as error:
                    if hasattr(error, "error_dict"):
                        renamed = {
                            {"repair_order": "repair_order_number", "vehicle": "vin"}.get(k, k): v
                            for k, v in error.error_dict.items()
                        }
                        error = ValidationError(renamed)
                    apply_errors(form, error)
                else:
                    messages.success(request, _("Saved."))
                    return redirect(case.get_absolute_url())
        return self.render_form(form, case, status=400)


class CaseCreateView(_CaseFormView):
    def get(self, request):
        check_model_permission(request.user, TechnicalCase, "add")
        initial = {"occurred_on": selectors.today()}
        raw = request.GET.get("repair_order", "")
        if raw.isdigit():
            order = get_object_for_user(request.user, RepairOrder, "view", pk=int(raw))
            initial["repair_order_number"] = order.number
        return self.render_form(CaseForm(initial=initial), None)

    def post(self, request):
        check_model_permission(request.user, TechnicalCase, "add")
        return self._save(request, CaseForm(request.POST), None)


class CaseEditView(_CaseFormView):
    def _case(self, request, pk):
        return get_object_for_user(
            request.user, TechnicalCase, "change", selectors.case_detail_queryset(), pk=pk
        )

    def get(self, request, pk):
        case = self._case(request, pk)
        initial = {
            "kind": case.kind,
            "title": case.title,
            "description": case.description,
            "occurred_on": case.occurred_on,
            "reported_on": case.reported_on,
            "repair_order_number": case.repair_order.number if case.repair_order_id else "",
            "vin": case.vehicle.vin if case.vehicle_id else "",
        }
        return self.render_form(CaseForm(initial=initial), case)

    def post(self, request, pk):
        return self._save(request, CaseForm(request.POST), self._case(request, pk))


# --- the service board --------------------------------------------------------------------------


class BoardView(TenantRequiredMixin, View):
    """The service board, for whoever may see the day confirmations (the service department)."""

    def get(self, request):
        check_model_permission(request.user, ServiceDayConfirmation, "view")
        board = selectors.service_board(request.user)
        context = {"board": board}
        context.update(tabs_context(request.user, "board"))
        return render(request, "aftersales/claims/board.html", context)


def _day_from(request, default: dt.date) -> tuple[dt.date | None, str | None]:
    """``?day=`` (default ``default``), or an error message for a malformed or future day."""
    raw = request.GET.get("day", "").strip()
    if not raw:
        return default, None
    day = selectors.parse_day(raw)
    if day is None:
        return None, _("Give the day as YYYY-MM-DD.")
    if day > selectors.today():
        return None, _("A day in the future has no numbers yet.")
    return day, None


class DailyView(TenantRequiredMixin, View):
    """The day's numbers and repair orders for the after-sales info clerk to check, and the
    button that confirms them."""

    def get(self, request):
        check_model_permission(request.user, RepairOrder, "view")
        day, error = _day_from(request, selectors.yesterday())
        if error:
            messages.error(request, error)
            return daily_page(request, None, status=400)
        return daily_page(request, day)


def daily_page(request, day, status=200):
    context = tabs_context(request.user, "daily")
    if day is None:
        context.update({"records": None, "day_value": request.GET.get("day", "")[:10]})
        return render(request, "aftersales/claims/daily.html", context, status=status)
    records = selectors.day_records(request.user, day)
    orders = records["orders"]
    linked = permitted_ids(request.user, RepairOrder, "view", [o.pk for o in orders])
    context.update(
        {
            "records": records,
            "numbers": records["numbers"],
            "day": day,
            "day_value": day.isoformat(),
            "previous": (day - dt.timedelta(days=1)).isoformat(),
            "next": (day + dt.timedelta(days=1)).isoformat() if day < selectors.today() else None,
            "orders": [
                (o, optional_url("aftersales:repairorder_detail", o.pk) if o.pk in linked else None)
                for o in orders
            ],
            "may_confirm": may_confirm_service_days(request.user)
            and can(request.user, ServiceDayConfirmation, "add"),
        }
    )
    return render(request, "aftersales/claims/daily.html", context, status=status)


class DayConfirmView(TenantRequiredMixin, View):
    """POST ``day``: confirm that day's numbers (``service_day_confirm``); a bad or future day
    answers 400 with the day's page and the message."""

    model = ServiceDayConfirmation

    def post(self, request):
        check_model_permission(request.user, ServiceDayConfirmation, "add")
        if not may_confirm_service_days(request.user):
            raise PermissionDenied(
                _(
                    "Only the after-sales info clerk or a service manager may confirm a day's "
                    "numbers."
                )
            )
        raw = request.POST.get("day", "")
        try:
            confirmation = services.service_day_confirm(actor=request.user, day=raw)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            day = selectors.parse_day(raw)
            shown = day if day is not None and day <= selectors.today() else None
            return daily_page(request, shown, status=400)
        figures = confirmation.figures
        messages.success(
            request,
            _("%(day)s confirmed: %(opened)d repair orders opened, %(closed)d closed.")
            % {
                "day": f"{confirmation.day:%Y-%m-%d}",
                "opened": figures.get("opened", 0),
                "closed": figures.get("closed", 0),
            },
        )
        return redirect(confirmation.get_absolute_url())


urlpatterns: list = [
    path("warranty-claims/", ClaimListView.as_view(), name="warrantyclaim_list"),
    path("warranty-claims/new/", ClaimCreateView.as_view(), name="warrantyclaim_create"),
    path("warranty-claims/<int:pk>/", ClaimDetailView.as_view(), name="warrantyclaim_detail"),
    path("warranty-claims/<int:pk>/edit/", ClaimEditView.as_view(), name="warrantyclaim_edit"),
    *[
        path(
            f"warranty-claims/<int:pk>/{name}/",
            ClaimActionView.as_view(action=name),
            name=f"warrantyclaim_{name}",
        )
        for name in ("submit", "approve", "reject", "pay")
    ],
    path(
        "warranty-claims/<int:pk>/photos/",
        ClaimPhotoAddView.as_view(),
        name="warrantyclaim_photo_add",
    ),
    path("warranty-claims/photos/<int:pk>/", ClaimPhotoView.as_view(), name="warrantyclaim_photo"),
    path(
        "warranty-claims/photos/<int:pk>/delete/",
        ClaimPhotoDeleteView.as_view(),
        name="warrantyclaim_photo_delete",
    ),
    path("technical-cases/", CaseListView.as_view(), name="technicalcase_list"),
    path("technical-cases/new/", CaseCreateView.as_view(), name="technicalcase_create"),
    path("technical-cases/<int:pk>/", CaseDetailView.as_view(), name="technicalcase_detail"),
    path("technical-cases/<int:pk>/edit/", CaseEditView.as_view(), name="technicalcase_edit"),
    path("board/", BoardView.as_view(), name="board"),
    path("daily/", DailyView.as_view(), name="daily"),
    path("daily/confirm/", DayConfirmView.as_view(), name="day_confirm"),
]


# --- dashboard widgets --------------------------------------------------------------------------

TODAY_POSITIONS = ("service_manager", "service_director", "gm", "deputy_gm")


def _holds_any(request, codes) -> bool:
    from org.models import PositionAssignment

    scope = getattr(request, "tenant_scope", None)
    if scope is None or scope.current_id is None:
        return False
    cache = request.__dict__.setdefault("_aftersales_positions", {})
    if "codes" not in cache:
        cache["codes"] = set(
            PositionAssignment.objects.filter(
                staff__user_id=request.user.pk, staff__is_active=True
            ).values_list("position__code", flat=True)
        )
    return bool(cache["codes"] & set(codes))


def _service_today(request):
    if getattr(request, "tenant_scope", None) is None:
        return None
    if not can(request.user, ServiceDayConfirmation, "view"):
        return None
    if not _holds_any(request, TODAY_POSITIONS):
        return None
    return selectors.service_today(request.user)


def _claims(request):
    if getattr(request, "tenant_scope", None) is None:
        return None
    if not can(request.user, WarrantyClaim, "change"):
        return None
    if not _holds_any(request, ("warranty_assessor", "technical_expert", "service_manager")):
        return None
    return selectors.claims_panel(request.user)


def register_widgets() -> None:
    """This area's dashboard panels: "Service today" (the service manager, the GM) and
    "Claims" (the warranty assessor), each only for who may open what it links to."""
    from dealership.registry import Widget, register_widget

    register_widget(
        Widget(
            "aftersales_service_today",
            gettext_lazy("Service today"),
            "aftersales/claims/widgets/service_today.html",
            _service_today,
            order=40,
        )
    )
    register_widget(
        Widget(
            "aftersales_claims",
            gettext_lazy("Claims"),
            "aftersales/claims/widgets/claims.html",
            _claims,
            order=41,
        )
    )
