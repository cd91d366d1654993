"""HTML views of sales: leads (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path("traffic/", lambda request: HttpResponse("placeholder"), name="visit_list"),
    path("leads/", lambda request: HttpResponse("placeholder"), name="lead_list"),
]


def register_widgets() -> None:
    """This area's dashboard panels (none yet)."""
