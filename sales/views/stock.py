"""HTML views of sales: stock (being written)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns: list = [
    path("stock/", lambda request: HttpResponse("placeholder"), name="stock_list"),
]
