"""HTML views of finance: thin, built on ``dealership.views.ScopedListView`` / ``ScopedDetailView``
and ``ServiceFormView``. Each kind of request has its list, "new request" form, page, and edit
form (a draft or a request returned for changes, saved or submitted again); contracts, stampings
and promotional goods orders have their follow-up action after approval. Deciding happens on the
approval engine's page of the request (``request.get_absolute_url()``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dealership.access import can, get_object_for_user, permitted_ids
from dealership.views import ScopedDetailView, ScopedListView, ServiceFormView, TenantRequiredMixin
from finance import kinds as K
from finance import selectors, services
from finance.forms import FORMS, InstallForm, OemStateForm
from finance.models import AdClaim, Budget, CashAdvance, DecorationRequest, Reimbursement
from finance.tables import AdClaimTable, BudgetTable, DecorationTable, RecordTable
from org.approvals.models import ApprovalRequest, Attachment


def engine_url(request) -> str:
    """The approval engine's page of the request ('' while it is not mounted)."""
    try:
        return request.get_absolute_url()
    except NoReverseMatch:
        return ""


def kind_tabs(user) -> list[dict]:
    """The kinds the user may list, for the tab bar (no query: one policy check each)."""
    return [
        {
            "code": spec.code,
            "label": spec.label,
            "url": reverse(f"finance:{spec.model._meta.model_name}_list"),
            "new_url": reverse(f"finance:{spec.model._meta.model_name}_create"),
            "may_add": can(user, spec.model, "add"),
        }
        for spec in K.FINANCE_KINDS.values()
        if spec.code != K.BUDGET and can(user, spec.model, "view")
    ]


class KindMixin:
    spec: K.FinanceKind

    def kind_context(self) -> dict:
        return {
            "spec": self.spec,
            "kind_label": self.spec.label,
            "tabs": kind_tabs(self.request.user),
            "list_url": reverse(f"finance:{self.spec.model._meta.model_name}_list"),
        }


class RecordListView(KindMixin, ScopedListView):
    table_class = RecordTable
    template_name = "finance/record_list.html"

    def get_queryset(self):
        return selectors.records_for_user(self.request.user, self.model)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.kind_context())
        context["may_add"] = can(self.request.user, self.model, "add")
        context["create_url"] = reverse(f"finance:{self.model._meta.model_name}_create")
        if self.model in (CashAdvance, Reimbursement):
            rows = context["table"].page.object_list
            people = {row.record.request.requester_id: row.record.request.requester for row in rows}
            people.setdefault(self.request.user.pk, self.request.user)
            owed = selectors.outstanding_advances(people)
            context["outstanding"] = [
                (people[pk], amount)
                for pk, amount in owed.items()
                if amount or pk == self.request.user.pk
            ]
        return context


class RecordDetailView(KindMixin, ScopedDetailView):
    template_name = "finance/record_detail.html"

    def base_queryset(self):
        related = ["request__requester", "request__department", "request__dealership"]
        for name in (
            "signed_by",
            "filed_by",
            "ordered_by",
            "installed_by",
            "oem_recorded_by",
            "department",
        ):
            if any(f.name == name for f in self.model._meta.fields):
                related.append(name)
        return self.model.objects.select_related(*related)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.kind_context())
        record, user = self.object, self.request.user
        request = record.request
        context["req"] = request
        # the chain's page, only for who may open it (a budget planner may not see the request)
        context["engine_url"] = (
            engine_url(request)
            if permitted_ids(self.request.user, ApprovalRequest, "view", [request.pk])
            else ""
        )
        context["fields"] = [
            (record._meta.get_field(name).verbose_name, _display(record, name))
            for name in self.spec.fields
        ]
        context["attachments"] = [
            (a, self.spec.attachment_label(a.purpose), _attachment_url(a))
            # only the files the viewer may open (someone let in to file a contract or place an
            # order sees the record, not necessarily the request and its files)
            for a in Attachment.objects.for_user(user, "view").filter(request=request)
        ]
        context["steps"] = list(request.steps.filter(round=request.round).order_by("order"))
        context["may_edit"] = request.requester_id == user.pk and request.is_editable
        context["edit_url"] = reverse(
            f"finance:{self.model._meta.model_name}_edit", kwargs={"pk": record.pk}
        )
        if self.spec.budgeted:
            context["budget"] = selectors.budget_remaining(
                department_id=request.department_id,
                category=record.category,
                on=selectors.request_date(request),
            )
        if isinstance(record, CashAdvance | Reimbursement):
            context["outstanding"] = selectors.outstanding_advances([request.requester_id]).get(
                request.requester_id
            )
        if self.spec.follow_up:
            by, at = FOLLOW_UP_FIELDS[self.spec.follow_up]
            context["follow_up"] = {
                "label": FOLLOW_UP_LABELS[self.spec.follow_up],
                "done_label": FOLLOW_UP_DONE[self.spec.follow_up],
                "done_by": getattr(record, by),
                "done_at": getattr(record, at),
                "url": reverse(
                    f"finance:{self.model._meta.model_name}_{self.spec.follow_up}",
                    kwargs={"pk": record.pk},
                ),
                "may": request.status == request.Status.APPROVED
                and getattr(record, at) is None
                and services._holds(user, self.spec.follow_up_position),
            }
        if isinstance(record, DecorationRequest):
            context["follow_up"]["may"] = (
                request.status == request.Status.APPROVED
                and record.installed_at is None
                and services.may_install(user)
            )
        if isinstance(record, DecorationRequest):
            context["follow_up"]["url"] = reverse(
                "finance:decorationrequest_install", kwargs={"pk": record.pk}
            )
            context["follow_up"]["is_page"] = True
            context["agreement"] = {
                "needed": record.at_height,
                "attached": record.at_height and services.has_agreement(record),
            }
        if isinstance(record, AdClaim):
            steps = services.oem_steps(record)
            context["oem"] = {
                "claim": record,
                "steps": steps,
                "may": bool(steps) and services.may_record_oem(user),
                "url": reverse("finance:adclaim_oem", kwargs={"pk": record.pk}),
            }
        return context


FOLLOW_UP_FIELDS = {
    "sign": ("signed_by", "signed_at"),
    "file": ("filed_by", "filed_at"),
    "order": ("ordered_by", "ordered_at"),
    "install": ("installed_by", "installed_at"),
}
FOLLOW_UP_LABELS = {
    "sign": gettext_lazy("Record the signature"),
    "file": gettext_lazy("Record the filing"),
    "order": gettext_lazy("Record placing the order"),
    "install": gettext_lazy("Record the installation"),
}
FOLLOW_UP_DONE = {
    "sign": gettext_lazy("Signed"),
    "file": gettext_lazy("Filed"),
    "order": gettext_lazy("Ordered"),
    "install": gettext_lazy("Installed"),
}


def _display(record, name):
    value = getattr(record, name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    display = getattr(record, f"get_{name}_display", None)
    if display is not None:
        return display()
    return "" if value is None else value


def _attachment_url(attachment) -> str:
    try:
        return attachment.get_absolute_url()
    except NoReverseMatch:
        return ""


class RecordFormView(KindMixin, ServiceFormView):
    template_name = "finance/request_form.html"

    def get_title(self, obj):
        if obj is None:
            return _("New request: %(kind)s") % {"kind": self.spec.label}
        return _("Change request: %(subject)s") % {"subject": obj.request.subject}

    def get_object(self):
        obj = super().get_object()
        if obj is not None:
            request = obj.request
            if request.requester_id != self.request.user.pk:
                raise PermissionDenied(_("Only the requester may change this request."))
            if not request.is_editable:
                raise PermissionDenied(
                    _("This request is under way or finished; it can no longer be changed.")
                )
        return obj

    def cancel_url(self, obj):
        if obj is not None:
            return obj.get_absolute_url()
        return reverse(f"finance:{self.model._meta.model_name}_list")

    def get_form(self, obj, data=None):
        files = self.request.FILES if data is not None else None
        return FORMS[self.spec.code](data, files, user=self.request.user, record=obj)

    def render_form(self, form, obj, status=200):
        from django.shortcuts import render

        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
                **self.kind_context(),
            },
            status=status,
        )

    def save(self, form, obj):
        submit = "submit" in self.request.POST
        kwargs = form.service_kwargs()
        if obj is None:
            return services.record_create(
                actor=self.request.user, kind=self.spec.code, submit=submit, **kwargs
            )
        return services.record_update(
            actor=self.request.user,
            kind=self.spec.code,
            record_id=obj.pk,
            submit=submit,
            **kwargs,
        )


class FollowUpView(TenantRequiredMixin, View):
    """POST: record the action after approval (sign, file, place the order)."""

    model = None
    follow_up = ""

    def post(self, request, pk):
        obj = get_object_for_user(request.user, self.model, "view", pk=pk)
        try:
            services.FOLLOW_UPS[self.follow_up](actor=request.user, record_id=obj.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Recorded."))
        return redirect(obj.get_absolute_url())


class RecordActionView(KindMixin, ServiceFormView):
    """A form page acting on an approved record (finance's OEM state of an advertising claim,
    the handler's installation of a decoration); ``allowed(user)`` says who may (403)."""

    template_name = "finance/action_form.html"
    action = "view"
    button = ""

    def allowed(self, user) -> bool:
        raise NotImplementedError

    def get_object(self):
        obj = super().get_object()
        if not self.allowed(self.request.user):
            raise PermissionDenied(self.refusal)
        return obj

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def render_form(self, form, obj, status=200):
        from django.shortcuts import render

        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "title": self.get_title(obj),
                "cancel_url": self.cancel_url(obj),
                "button": self.button,
                **self.kind_context(),
            },
            status=status,
        )


class AdClaimOemView(RecordActionView):
    model = AdClaim
    spec = K.FINANCE_KINDS[K.AD_CLAIM]
    button = gettext_lazy("Record")
    refusal = gettext_lazy("Only finance records a claim's state with the OEM.")

    def allowed(self, user) -> bool:
        return services.may_record_oem(user)

    def get_title(self, obj):
        return _("The claim with the OEM: %(subject)s") % {"subject": obj.request.subject}

    def get_form(self, obj, data=None):
        return OemStateForm(data, steps=services.oem_steps(obj))

    def save(self, form, obj):
        data = form.cleaned_data
        return services.ad_claim_oem_record(
            actor=self.request.user,
            record_id=obj.pk,
            status=data["status"],
            on=data["on"],
            amount=data.get("amount"),
            claim_no=data.get("claim_no") or "",
            reason=data.get("reason") or "",
        )


class DecorationInstallView(RecordActionView):
    model = DecorationRequest
    spec = K.FINANCE_KINDS[K.DECORATION]
    button = gettext_lazy("Record the installation")
    refusal = gettext_lazy("Only the customer department records the installation.")

    def allowed(self, user) -> bool:
        return services.may_install(user)

    def get_title(self, obj):
        return _("Installation: %(subject)s") % {"subject": obj.request.subject}

    def get_form(self, obj, data=None):
        files = self.request.FILES if data is not None else None
        needs = obj.at_height and not services.has_agreement(obj)
        return InstallForm(data, files, needs_agreement=needs)

    def save(self, form, obj):
        return services.decoration_install(
            actor=self.request.user,
            record_id=obj.pk,
            agreement=form.cleaned_data.get("agreement"),
        )


class BudgetListView(RecordListView):
    model = Budget
    spec = K.FINANCE_KINDS[K.BUDGET]
    table_class = BudgetTable
    template_name = "finance/budget_list.html"

    def get_context_data(self, **kwargs):
        from org.models import Department

        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        overview = selectors.budget_overview(self.request.user, today)
        names = {
            d.pk: d for d in Department.objects.filter(pk__in={s.department_id for s in overview})
        }
        context["overview"] = [(names.get(s.department_id), s) for s in overview]
        context["today"] = today
        return context


def kind_views(spec: K.FinanceKind) -> dict[str, type]:
    """The list, page, new and edit views of one kind (and its follow-up action)."""
    model = spec.model
    attrs = {"model": model, "spec": spec}
    name = model.__name__
    tables = {K.AD_CLAIM: AdClaimTable, K.DECORATION: DecorationTable}
    list_attrs = {**attrs, "table_class": tables.get(spec.code, RecordTable)}
    views = {
        "list": BudgetListView
        if model is Budget
        else type(f"{name}ListView", (RecordListView,), list_attrs),
        "detail": type(f"{name}DetailView", (RecordDetailView,), attrs),
        "create": type(f"{name}CreateView", (RecordFormView,), attrs),
        "edit": type(f"{name}EditView", (RecordFormView,), attrs),
    }
    if spec.code == K.DECORATION:
        views["install"] = DecorationInstallView
    elif spec.follow_up:
        views[spec.follow_up] = type(
            f"{name}FollowUpView", (FollowUpView,), {"model": model, "follow_up": spec.follow_up}
        )
    if spec.code == K.AD_CLAIM:
        views["oem"] = AdClaimOemView
    return views
