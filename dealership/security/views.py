"""The login form (with "remember me"), the log of logins and the unlock button."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View
from django.views.generic import ListView

from dealership.security import audience
from dealership.security.forms import LoginForm
from dealership.security.services import locked_out_usernames, user_unlock


class LoginView(auth_views.LoginView):
    """Django's login with "remember me": without it the session ends when the browser closes;
    with it, ``SESSION_REMEMBER_DAYS`` after the login at the latest. Either way it ends after
    ``SESSION_IDLE_HOURS`` without a request (:mod:`dealership.security.middleware`)."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("remember_me"):
            self.request.session.set_expiry(
                timezone.now() + timedelta(days=settings.SESSION_REMEMBER_DAYS)
            )
        return response


class SecurityEventListView(LoginRequiredMixin, ListView):
    """The log of logins: superusers see everyone's, a GM (``org.view_audit``) the people of
    their dealership (:mod:`dealership.security.audience`); the people locked out now, with an
    unlock button for those the viewer may unlock."""

    template_name = "platform/security_events.html"
    paginate_by = 50
    context_object_name = "events"

    def get(self, request, *args, **kwargs):
        if not audience.may_view(request.user):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        events = audience.visible_events(self.request.user)
        who = self.request.GET.get("username", "").strip()
        if who:
            events = events.filter(username=who[:150])
        return events

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        users = audience.unlockable_users(self.request.user)
        locked = []
        if users is not None:
            names = locked_out_usernames(users.values("username"))
            locked = list(users.filter(username__in=names).order_by("username"))
        context["locked_users"] = locked
        context["username"] = self.request.GET.get("username", "").strip()
        return context


class UnlockView(LoginRequiredMixin, View):
    """POST: lift the lockout of one person the viewer may unlock (404 for anyone else)."""

    def post(self, request, pk):
        users = audience.unlockable_users(request.user)
        if users is None:
            raise PermissionDenied
        user = get_object_or_404(users, pk=pk)
        user_unlock(actor=request.user, user=user, request=request)
        messages.success(
            request, gettext("%(name)s may log in again.") % {"name": user.get_full_name()}
        )
        return redirect("platform:security_events")
