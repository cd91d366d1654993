"""The approval pages: my approvals (the inbox), my requests, every request one may see, a
request with its chain drawn step by step, deciding and withdrawing, attachments, the chains
(GM office) and delegations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dealership.access import can, check_model_permission, get_object_for_user
from dealership.tenancy import get_scope
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceDeleteView,
    TenantRequiredMixin,
    apply_errors,
)
from org.approvals import selectors, services
from org.approvals.forms import ChainForm, DecisionForm, DelegationForm, StepFormSet
from org.approvals.kinds import all_request_kinds, get_request_kind
from org.approvals.models import (
    ApprovalChain,
    ApprovalRequest,
    Attachment,
    Delegation,
)
from org.approvals.tables import ApprovalRequestTable, ChainTable, DelegationTable


class InboxView(TenantRequiredMixin, TemplateView):
    """我的审批 / My approvals: what waits for my decision, due first, decided in one click."""

    template_name = "org/approvals/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        waiting = list(selectors.inbox(self.request.user)[:100])
        context.update(
            title=_("My approvals"),
            waiting=waiting,
            now=timezone.now(),
            form=DecisionForm(),
        )
        return context


class RequestListView(ScopedListView):
    """Every request the user may see (``?mine=1``: their own), filtered by status and kind."""

    model = ApprovalRequest
    table_class = ApprovalRequestTable
    template_name = "org/approvals/list.html"

    def get_queryset(self):
        params = self.request.GET
        status = params.get("status", "")
        kind = params.get("kind", "")
        return selectors.requests_for_user(
            self.request.user,
            mine=bool(params.get("mine")),
            status=status if status in ApprovalRequest.Status.values else "",
            kind=kind,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = bool(self.request.GET.get("mine"))
        context.update(
            title=_("My requests") if mine else _("All requests"),
            mine=mine,
            statuses=ApprovalRequest.Status.choices,
            kinds=[(k.code, k.label) for k in all_request_kinds()],
            new_links=_new_request_links(self.request),
        )
        return context


def _new_request_links(request) -> list[tuple[str, str]]:
    links = []
    for kind in all_request_kinds():
        url = kind.create_url(request.user) if kind.create_url else None
        if url:
            links.append((kind.label, url))
    return links


class RequestDetailView(ScopedDetailView):
    model = ApprovalRequest
    template_name = "org/approvals/detail.html"

    def base_queryset(self):
        return ApprovalRequest.objects.select_related(
            "requester", "department", "requester_position"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request_obj = context["object"]
        user = self.request.user
        rounds = selectors.steps_by_round(request_obj)
        current = services.current_step(request_obj) if request_obj.status == "pending" else None
        my_turn = current is not None and any(
            a.user_id == user.pk and not a.decision
            for steps in rounds
            for s in steps[1]
            if s.pk == current.pk
            for a in s.approvers.all()
        )
        kind = _kind_or_none(request_obj.kind)
        context.update(
            rounds=rounds,
            current=current,
            my_turn=my_turn,
            form=DecisionForm(),
            attachments=selectors.attachments_for(user, request_obj),
            is_requester=request_obj.requester_id == user.pk,
            details=kind.details(request_obj, user) if kind and kind.details else [],
            actions=kind.actions(request_obj, user) if kind and kind.actions else [],
            edit_url=(
                kind.edit_url(request_obj)
                if kind and kind.edit_url and request_obj.is_editable
                else None
            ),
        )
        return context


def _kind_or_none(code):
    try:
        return get_request_kind(code)
    except LookupError:
        return None


class DecideView(TenantRequiredMixin, View):
    """POST a decision on the step waiting for me (from the inbox or the request page)."""

    model = ApprovalRequest

    def post(self, request, pk):
        # the request first: another dealership's answers 404, one the user may not see 403
        get_object_for_user(request.user, ApprovalRequest, "view", pk=pk)
        check_model_permission(request.user, ApprovalRequest, "change")  # HQ reads only
        form = DecisionForm(request.POST)
        back = request.POST.get("next") or reverse("org:approval_detail", kwargs={"pk": pk})
        if not back.startswith("/"):
            back = reverse("org:approval_detail", kwargs={"pk": pk})
        if not form.is_valid():
            return _decision_error(request, pk, form, back)
        try:
            services.request_decide(
                actor=request.user,
                request_id=pk,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return _decision_error(request, pk, form, back)
        except services.DecisionConflict as conflict:
            messages.warning(request, str(conflict))
            return HttpResponseRedirect(back)
        done = {
            "approve": _("Approved."),
            "reject": _("Rejected."),
            "return": _("Returned to the requester."),
        }[form.cleaned_data["decision"]]
        messages.success(request, done)
        return HttpResponseRedirect(back)


def _decision_error(request, pk, form, back):
    request_obj = get_object_for_user(request.user, ApprovalRequest, "view", pk=pk)
    return render(
        request,
        "org/approvals/decide_error.html",
        {"object": request_obj, "form": form, "back": back},
        status=400,
    )


class WithdrawView(TenantRequiredMixin, View):
    model = ApprovalRequest

    def post(self, request, pk):
        try:
            services.request_withdraw(actor=request.user, request_id=pk)
        except services.DecisionConflict as conflict:
            messages.warning(request, str(conflict))
        else:
            messages.success(request, _("The request was withdrawn."))
        return HttpResponseRedirect(reverse("org:approval_detail", kwargs={"pk": pk}))


class SubmitView(TenantRequiredMixin, View):
    """POST: submit (or resubmit after a return) one's own draft."""

    model = ApprovalRequest

    def post(self, request, pk):
        try:
            services.request_submit(actor=request.user, request_id=pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Submitted: the first approver has been told."))
        return HttpResponseRedirect(reverse("org:approval_detail", kwargs={"pk": pk}))


class AttachmentDetailView(TenantRequiredMixin, View):
    """An attachment, only for who may see its request; previewed inline (images, PDF)."""

    model = Attachment

    def get(self, request, pk):
        attachment = get_object_for_user(request.user, Attachment, "view", pk=pk)
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404(_("Not found.")) from None
        response = FileResponse(
            handle,
            content_type=attachment.content_type,
            as_attachment=not attachment.previewable or "download" in request.GET,
            filename=attachment.name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        # the file is shown inside our own pages only, and can run nothing
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'"
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_exempt = True
        response["Cache-Control"] = "private, no-store"
        return response


# --- chains -----------------------------------------------------------------------------------


class ChainListView(ScopedListView):
    model = ApprovalChain
    table_class = ChainTable
    template_name = "org/approvals/chain_list.html"

    def get_table_kwargs(self):
        """Every step of the chains shown, in one query (the table names who decides)."""
        from org.approvals.models import ChainStep

        steps: dict[int, list] = {}
        rows = ChainStep.objects.for_user(self.request.user, "view").select_related(
            "position", "alternate", "person"
        )
        for step in rows.order_by("chain_id", "order"):
            steps.setdefault(step.chain_id, []).append(step)
        return {"steps": steps}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Approval chains")
        return context


class ChainEditView(TenantRequiredMixin, View):
    """Edit a chain: its steps in order, due time per step and budget blocking."""

    template_name = "org/approvals/chain_form.html"

    model = ApprovalChain

    def _chain(self, pk, action="change"):
        return get_object_for_user(self.request.user, ApprovalChain, action, pk=pk)

    def _initial(self, chain):
        return [
            {
                "label": s.label,
                "label_en": s.label_en,
                "approver_type": s.approver_type,
                "position": s.position_id,
                "alternate": s.alternate_id,
                "person": s.person_id,
                "mode": s.mode,
                "required_count": s.required_count,
                "min_amount": s.min_amount,
                "max_amount": s.max_amount,
                "notify_only": s.notify_only,
            }
            for s in chain.steps.order_by("order")
        ]

    def _render(self, chain, form, formset, status=200):
        return render(
            self.request,
            self.template_name,
            {"object": chain, "form": form, "formset": formset, "title": str(chain)},
            status=status,
        )

    def get(self, request, pk):
        chain = self._chain(pk, "view")
        if not can(request.user, ApprovalChain, "change"):
            raise PermissionDenied
        formset = StepFormSet(
            initial=self._initial(chain), form_kwargs={"dealership_id": chain.dealership_id}
        )
        return self._render(chain, ChainForm(instance=chain), formset)

    def post(self, request, pk):
        chain = self._chain(pk)
        form = ChainForm(request.POST, instance=chain)
        formset = StepFormSet(request.POST, form_kwargs={"dealership_id": chain.dealership_id})
        if form.is_valid() and formset.is_valid():
            steps = [
                f.cleaned_data
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            try:
                services.chain_update(
                    actor=request.user,
                    chain_id=chain.pk,
                    steps=steps,
                    due_working_days=form.cleaned_data["due_working_days"],
                    block_over_budget=form.cleaned_data["block_over_budget"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved. Requests already under way keep their chain."))
                return HttpResponseRedirect(reverse("org:approval_chains"))
        return self._render(chain, form, formset, status=400)


# --- delegation -------------------------------------------------------------------------------


class DelegationListView(ScopedListView):
    model = Delegation
    table_class = DelegationTable
    template_name = "org/approvals/delegations.html"

    def base_queryset(self):
        return Delegation.objects.select_related("delegator", "delegate")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Delegations")
        context["form"] = kwargs.get("form") or DelegationForm(
            dealership_id=get_scope().current_id, user=self.request.user
        )
        context["can_add"] = can(self.request.user, Delegation, "add")
        return context

    def post(self, request, *args, **kwargs):
        form = DelegationForm(request.POST, dealership_id=get_scope().current_id, user=request.user)
        if form.is_valid():
            try:
                services.delegation_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Saved. Steps that open for you in these days go to your delegate.")
                )
                return HttpResponseRedirect(reverse("org:delegation_list"))
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DelegationDeleteView(ServiceDeleteView):
    model = Delegation

    def get_success_url(self) -> str:
        return reverse("org:delegation_list")

    def delete(self, obj):
        services.delegation_delete(actor=self.request.user, delegation_id=obj.pk)
