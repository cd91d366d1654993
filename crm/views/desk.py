"""Pages of the customer-service desk, the thank-you letters and the customer tiers.

* ``crm:enquiry_list`` / ``_create`` / ``_detail`` / ``_edit`` — enquiries (咨询), filtered by
  month, channel, topic and a search; from an enquiry, "route as a proposal".
* ``crm:proposal_list`` / ``_create`` (``?followup=`` or ``?enquiry=``) / ``_detail`` and its
  actions ``_answer`` (the department's head), ``_accept`` and ``_close`` (the CRM team).
* ``crm:letter_list`` (drafted letters chosen and sent for signature: ``crm:letters_submit``),
  ``_detail``, ``_edit``, ``_pdf`` (also for the approvers of its request), ``_mail``,
  ``_cancel``.
* ``crm:tier_list`` / ``_create`` / ``_edit`` / ``_delete`` — the dealership's tier rules; the
  customer page shows the customer's tier (:func:`customer_tier_block`).

Buttons and links are shown only to who may use them; the services check again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View

from crm.forms import desk as forms
from crm.models import (
    Customer,
    CustomerTier,
    Enquiry,
    FollowUp,
    ImprovementProposal,
    LetterState,
    ProposalState,
    ThankYouLetter,
)
from crm.selectors import desk as selectors
from crm.services import enquiries as desk_services
from crm.services import letters as letter_services
from crm.services import tiers as tier_services
from crm.services.privacy import caller_phone_shown
from crm.tables.desk import EnquiryTable, LetterTable, ProposalTable, TierTable
from dealership import registry
from dealership.access import can, get_object_for_user, permitted_ids
from dealership.registry import NavItem, Widget
from dealership.views import (
    ScopedDetailView,
    ScopedListView,
    ServiceDeleteView,
    ServiceFormView,
    TenantRequiredMixin,
)
from org.access import user_access


def desk_tabs(user) -> list[tuple[str, str, str]]:
    return [
        (key, label, reverse(url_name))
        for key, label, url_name, model in (
            ("enquiries", _("Enquiries"), "crm:enquiry_list", Enquiry),
            ("proposals", _("Improvement proposals"), "crm:proposal_list", ImprovementProposal),
        )
        if can(user, model, "view")
    ]


class _FilteredList(ScopedListView):
    filter_class = None
    tab = ""
    title = ""

    def get_queryset(self):
        self.filter_form = self.filter_class(self.request.GET or None)
        return self.rows(self.filter_form.selection())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            title=self.title,
            tab=self.tab,
            tabs=desk_tabs(self.request.user) if self.tab else [],
        )
        return context


# --- enquiries ----------------------------------------------------------------------------------


class EnquiryListView(_FilteredList):
    model = Enquiry
    table_class = EnquiryTable
    template_name = "crm/desk/list.html"
    filter_class = forms.EnquiryFilterForm
    tab = "enquiries"
    title = gettext_lazy("Enquiries")

    def rows(self, selection):
        return selectors.enquiries_for_user(self.request.user, **selection)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if can(self.request.user, Enquiry, "add") and user_access(self.request.user).writable:
            context["new_url"] = reverse("crm:enquiry_create")
            context["new_label"] = _("Log an enquiry")
        return context


class EnquiryDetailView(ScopedDetailView):
    model = Enquiry
    template_name = "crm/desk/enquiry_detail.html"

    def base_queryset(self):
        return Enquiry.objects.select_related("customer", "taken_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, enquiry = self.request.user, self.object
        writable = user_access(user).writable
        context["may_edit"] = writable and bool(
            permitted_ids(user, Enquiry, "change", [enquiry.pk])
        )
        context["may_propose"] = writable and can(user, ImprovementProposal, "add")
        context["customer_ids"] = permitted_ids(user, Customer, "view", [enquiry.customer_id])
        context["caller_phone"] = caller_phone_shown(user, enquiry)
        proposals = list(
            ImprovementProposal.objects.for_user(user, "view")
            .filter(enquiry_id=enquiry.pk)
            .select_related("department")
        )
        context["proposals"] = proposals
        return context


class EnquiryFormView(ServiceFormView):
    model = Enquiry
    success_url = reverse_lazy("crm:enquiry_list")

    def get_title(self, obj):
        return (
            _("Log an enquiry")
            if obj is None
            else _("Change the enquiry: %(name)s") % {"name": obj}
        )

    def get_form(self, obj, data=None):
        initial = {}
        customer = self.request.GET.get("customer", "")
        if obj is None and customer.isdigit():
            initial["customer"] = int(customer)
        return forms.EnquiryForm(data, user=self.request.user, enquiry=obj, initial=initial)

    def save(self, form, obj):
        kwargs = form.service_kwargs()
        if obj is None:
            return desk_services.enquiry_create(actor=self.request.user, **kwargs)
        return desk_services.enquiry_update(actor=self.request.user, enquiry_id=obj.pk, **kwargs)


# --- improvement proposals ----------------------------------------------------------------------


class ProposalListView(_FilteredList):
    model = ImprovementProposal
    table_class = ProposalTable
    template_name = "crm/desk/list.html"
    filter_class = forms.ProposalFilterForm
    tab = "proposals"
    title = gettext_lazy("Improvement proposals")

    def rows(self, selection):
        return selectors.proposals_for_user(self.request.user, **selection)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if can(user, ImprovementProposal, "add") and user_access(user).writable:
            context["new_url"] = reverse("crm:proposal_create")
            context["new_label"] = _("Route a proposal")
        return context


PROPOSAL_ACTIONS = {
    "answer": (gettext_lazy("Answer"), "btn-primary", forms.ProposalAnswerForm),
    "accept": (gettext_lazy("Accept the answer"), "btn-success", forms.ProposalOutcomeForm),
    "close": (
        pgettext_lazy("proposal action", "Close"),
        "btn-outline-secondary",
        forms.ProposalOutcomeForm,
    ),
}
PROPOSAL_SERVICES = {
    "answer": desk_services.proposal_answer,
    "accept": desk_services.proposal_accept,
    "close": desk_services.proposal_close,
}


def proposal_actions(user, proposal: ImprovementProposal) -> list[str]:
    """The actions ``user`` may use on ``proposal`` now (the services check again)."""
    if not user_access(user).writable:
        return []
    if not permitted_ids(user, ImprovementProposal, "change", [proposal.pk]):
        return []
    actions = []
    if proposal.state in (ProposalState.OPEN, ProposalState.ANSWERED) and (
        desk_services.may_answer(user, proposal)
    ):
        actions.append("answer")
    if desk_services._crm_access(user):
        if proposal.state == ProposalState.ANSWERED:
            actions.append("accept")
        if proposal.state in (ProposalState.OPEN, ProposalState.ANSWERED):
            actions.append("close")
    return actions


class ProposalDetailView(ScopedDetailView):
    model = ImprovementProposal
    template_name = "crm/desk/proposal_detail.html"

    def base_queryset(self):
        return ImprovementProposal.objects.select_related(
            "department", "customer", "followup", "enquiry", "raised_by", "answered_by", "closed_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, proposal = self.request.user, self.object
        context["actions"] = [
            {
                "code": code,
                "label": PROPOSAL_ACTIONS[code][0],
                "css": PROPOSAL_ACTIONS[code][1],
                "form": PROPOSAL_ACTIONS[code][2](prefix=code),
                "url": reverse(f"crm:proposal_{code}", kwargs={"pk": proposal.pk}),
            }
            for code in proposal_actions(user, proposal)
        ]
        context["customer_ids"] = permitted_ids(user, Customer, "view", [proposal.customer_id])
        context["followup_ids"] = permitted_ids(user, FollowUp, "view", [proposal.followup_id])
        context["enquiry_ids"] = permitted_ids(user, Enquiry, "view", [proposal.enquiry_id])
        return context


class ProposalCreateView(ServiceFormView):
    model = ImprovementProposal
    success_url = reverse_lazy("crm:proposal_list")

    def get_title(self, obj):
        return _("Route an improvement proposal")

    def get_form(self, obj, data=None):
        initial = {}
        for name in ("followup", "enquiry"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return forms.ProposalForm(data, user=self.request.user, initial=initial)

    def save(self, form, obj):
        return desk_services.proposal_create(actor=self.request.user, **form.service_kwargs())


class ProposalActionView(ServiceFormView):
    model = ImprovementProposal
    action_name = ""

    def get_title(self, obj):
        return f"{PROPOSAL_ACTIONS[self.action_name][0]}: {obj.subject}"

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return PROPOSAL_ACTIONS[self.action_name][2](data, prefix=self.action_name)

    def save(self, form, obj):
        return PROPOSAL_SERVICES[self.action_name](
            actor=self.request.user, proposal_id=obj.pk, **form.service_kwargs()
        )


# --- thank-you letters --------------------------------------------------------------------------


class LetterListView(_FilteredList):
    model = ThankYouLetter
    table_class = LetterTable
    template_name = "crm/desk/letter_list.html"
    filter_class = forms.LetterFilterForm
    title = gettext_lazy("Thank-you letters")

    def rows(self, selection):
        return selectors.letters_for_user(self.request.user, **selection)

    def may_submit(self) -> bool:
        return user_access(self.request.user).writable and can(
            self.request.user, ThankYouLetter, "change"
        )

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.selectable = self.may_submit()
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_submit"] = self.may_submit()
        return context


class LettersSubmitView(TenantRequiredMixin, View):
    """POST: the chosen drafted letters go for signature."""

    def post(self, request):
        ids = [value for value in request.POST.getlist("letters") if value.isdigit()]
        try:
            done = letter_services.letters_submit(actor=request.user, letter_ids=ids)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            response = redirect("crm:letter_list")
            response.status_code = 303
            return response
        messages.success(request, _("%(count)d letters sent for signature.") % {"count": len(done)})
        return redirect(reverse("crm:letter_list") + "?state=submitted")


LETTER_ACTIONS = {
    "mail": (gettext_lazy("Log the mailing"), "btn-primary", forms.LetterMailForm),
    "cancel": (
        pgettext_lazy("letter action", "Cancel the letter"),
        "btn-outline-danger",
        forms.LetterCancelForm,
    ),
}
LETTER_SERVICES = {
    "mail": letter_services.letter_mail,
    "cancel": letter_services.letter_cancel,
}


class LetterDetailView(ScopedDetailView):
    model = ThankYouLetter
    template_name = "crm/desk/letter_detail.html"

    def base_queryset(self):
        return ThankYouLetter.objects.select_related(
            "event", "customer", "vehicle", "signed_by", "mailed_by", "request"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, letter = self.request.user, self.object
        may_change = user_access(user).writable and bool(
            permitted_ids(user, ThankYouLetter, "change", [letter.pk])
        )
        codes = []
        if may_change and letter.state == LetterState.SIGNED:
            codes.append("mail")
        if may_change and letter.state in (LetterState.DRAFTED, LetterState.SIGNED):
            codes.append("cancel")
        context["actions"] = [
            {
                "code": code,
                "label": LETTER_ACTIONS[code][0],
                "css": LETTER_ACTIONS[code][1],
                "form": LETTER_ACTIONS[code][2](prefix=code),
                "url": reverse(f"crm:letter_{code}", kwargs={"pk": letter.pk}),
            }
            for code in codes
        ]
        context["may_edit"] = may_change and letter.state == LetterState.DRAFTED
        context["may_submit"] = may_change and letter.state == LetterState.DRAFTED
        context["customer_ids"] = permitted_ids(user, Customer, "view", [letter.customer_id])
        context["paragraphs"] = [p for p in letter.body.split("\n\n") if p.strip()]
        from org.approvals.models import ApprovalRequest

        context["request_ids"] = (
            permitted_ids(user, ApprovalRequest, "view", [letter.request_id])
            if letter.request_id
            else set()
        )
        return context


class LetterFormView(ServiceFormView):
    model = ThankYouLetter
    success_url = reverse_lazy("crm:letter_list")

    def get_title(self, obj):
        return _("Correct the letter: %(name)s") % {"name": obj}

    def get_object(self):
        if "pk" not in self.kwargs:  # letters are drafted by the job, never by hand
            from django.http import Http404

            raise Http404
        return super().get_object()

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return forms.LetterForm(data, letter=obj)

    def save(self, form, obj):
        return letter_services.letter_update(
            actor=self.request.user, letter_id=obj.pk, **form.service_kwargs()
        )


class LetterActionView(ServiceFormView):
    model = ThankYouLetter
    action_name = ""

    def get_title(self, obj):
        return f"{LETTER_ACTIONS[self.action_name][0]}: {obj}"

    def cancel_url(self, obj):
        return obj.get_absolute_url()

    def get_form(self, obj, data=None):
        return LETTER_ACTIONS[self.action_name][2](data, prefix=self.action_name)

    def save(self, form, obj):
        return LETTER_SERVICES[self.action_name](
            actor=self.request.user, letter_id=obj.pk, **form.service_kwargs()
        )


class LetterPdfDetailView(TenantRequiredMixin, View):
    """The printable letter: for who handles letters, and for the approvers of its request."""

    model = ThankYouLetter

    def get(self, request, pk):
        from django.http import Http404

        from org.approvals.models import ApprovalRequest

        letter = ThankYouLetter.objects.select_related("signed_by").filter(pk=pk).first()
        if letter is None:
            raise Http404
        approver = bool(letter.request_id) and bool(
            permitted_ids(request.user, ApprovalRequest, "view", [letter.request_id])
        )
        if not approver:  # the chokepoint's answer: 404 outside the rows, 403 without the right
            get_object_for_user(request.user, ThankYouLetter, "view", pk=letter.pk)
        response = HttpResponse(letter_services.letter_pdf(letter), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="letter-{letter.pk}.pdf"'
        return response


# --- customer tiers -----------------------------------------------------------------------------


class TierListView(ScopedListView):
    model = CustomerTier
    table_class = TierTable
    template_name = "crm/desk/list.html"
    paginate_by = 50

    def get_queryset(self):
        return selectors.tiers_for_user(self.request.user)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.changeable = user_access(self.request.user).writable and can(
            self.request.user, CustomerTier, "change"
        )
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Customer tiers")
        context["intro"] = _(
            "A customer reaches a tier when their spending, the vehicles they own and their "
            "service visits all reach its minimums; the highest tier reached is theirs. "
            "Customers are measured every night and after each change of the tiers."
        )
        user = self.request.user
        if user_access(user).writable and can(user, CustomerTier, "add"):
            context["new_url"] = reverse("crm:tier_create")
            context["new_label"] = _("Add a tier")
        return context


class TierFormView(ServiceFormView):
    model = CustomerTier
    success_url = reverse_lazy("crm:tier_list")

    def get_title(self, obj):
        return (
            _("Add a customer tier")
            if obj is None
            else _("Change the tier: %(name)s") % {"name": obj}
        )

    def get_form(self, obj, data=None):
        return forms.TierForm(data, tier=obj)

    def save(self, form, obj):
        if obj is None:
            tier_services.tier_create(actor=self.request.user, **form.service_kwargs())
        else:
            tier_services.tier_update(
                actor=self.request.user, tier_id=obj.pk, **form.service_kwargs()
            )
        return None  # back to the list


class TierDeleteView(ServiceDeleteView):
    model = CustomerTier
    success_url = reverse_lazy("crm:tier_list")

    def delete(self, obj):
        tier_services.tier_delete(actor=self.request.user, tier_id=obj.pk)


def customer_tier_block(user, customer) -> dict:
    """The customer page's tier: the standing, if the viewer may see it."""
    standing = selectors.standing_for(user, customer)
    return {
        "standing": standing,
        "tiers_url": reverse("crm:tier_list") if can(user, CustomerTier, "view") else "",
    }


# --- navigation ---------------------------------------------------------------------------------


def register_nav() -> None:
    from crm.views import may_open as _may

    for key, label, url_name, order, model in (
        ("crm_enquiries", gettext_lazy("Enquiries"), "crm:enquiry_list", 56, "Enquiry"),
        (
            "crm_proposals",
            gettext_lazy("Improvement proposals"),
            "crm:proposal_list",
            57,
            "ImprovementProposal",
        ),
        ("crm_letters", gettext_lazy("Thank-you letters"), "crm:letter_list", 86, "ThankYouLetter"),
        ("crm_tiers", gettext_lazy("Customer tiers"), "crm:tier_list", 65, "CustomerTier"),
    ):
        registry.register_nav(NavItem(key, label, url_name, order=order, visible=_may(model)))


def _proposals_to_answer(request) -> dict | None:
    """The open proposals routed to the departments the viewer heads (their dashboard)."""
    from crm.access_desk import headed_department_ids

    if getattr(request, "tenant_scope", None) is None:
        return None
    headed = headed_department_ids(request.user)
    if not headed:
        return None
    rows = list(
        ImprovementProposal.objects.for_user(request.user, "view")
        .filter(state=ProposalState.OPEN, department_id__in=headed)
        .select_related("department")
        .order_by("answer_by", "pk")[:6]
    )
    if not rows:
        return None
    from dealership.figures import local_today

    return {"rows": rows, "today": local_today(), "list_url": reverse("crm:proposal_list")}


def register_widgets() -> None:
    registry.register_widget(
        Widget(
            "crm_proposals_to_answer",
            gettext_lazy("Improvement proposals to answer"),
            "crm/desk/widget_proposals.html",
            _proposals_to_answer,
            order=23,
        )
    )


urlpatterns: list = [
    path("enquiries/", EnquiryListView.as_view(), name="enquiry_list"),
    path("enquiries/new/", EnquiryFormView.as_view(), name="enquiry_create"),
    path("enquiries/<int:pk>/", EnquiryDetailView.as_view(), name="enquiry_detail"),
    path("enquiries/<int:pk>/edit/", EnquiryFormView.as_view(), name="enquiry_edit"),
    path("proposals/", ProposalListView.as_view(), name="proposal_list"),
    path("proposals/new/", ProposalCreateView.as_view(), name="proposal_create"),
    path("proposals/<int:pk>/", ProposalDetailView.as_view(), name="proposal_detail"),
    *[
        path(
            f"proposals/<int:pk>/{action}/",
            ProposalActionView.as_view(action_name=action),
            name=f"proposal_{action}",
        )
        for action in PROPOSAL_ACTIONS
    ],
    path("letters/", LetterListView.as_view(), name="letter_list"),
    path("letters/submit/", LettersSubmitView.as_view(), name="letters_submit"),
    path("letters/<int:pk>/", LetterDetailView.as_view(), name="letter_detail"),
    path("letters/<int:pk>/edit/", LetterFormView.as_view(), name="letter_edit"),
    path("letters/<int:pk>/pdf/", LetterPdfDetailView.as_view(), name="letter_pdf"),
    *[
        path(
            f"letters/<int:pk>/{action}/",
            LetterActionView.as_view(action_name=action),
            name=f"letter_{action}",
        )
        for action in LETTER_ACTIONS
    ],
    path("tiers/", TierListView.as_view(), name="tier_list"),
    path("tiers/new/", TierFormView.as_view(), name="tier_create"),
    path("tiers/<int:pk>/edit/", TierFormView.as_view(), name="tier_edit"),
    path("tiers/<int:pk>/delete/", TierDeleteView.as_view(), name="tier_delete"),
]
