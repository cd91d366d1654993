"""``/search/?q=``: the top bar's search page. Everything is decided by
:func:`dealership.search.service.search`; a query that cannot be searched answers 400 with the
reason on the page, an empty one a hint of what can be typed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views import View

from dealership.search.service import search
from dealership.views import TenantRequiredMixin


class SearchView(TenantRequiredMixin, View):
    template_name = "platform/search.html"

    def get(self, request):
        raw = request.GET.get("q", "")
        context = {"query": raw[:200], "outcome": None, "error": ""}
        status = 200
        try:
            context["outcome"] = search(request.user, raw, context=request.path)
            context["query"] = context["outcome"].query
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            status = 400
        return render(request, self.template_name, context, status=status)
