from django.urls import path

from finance import kinds as K
from finance.views import kind_views

app_name = "finance"
urlpatterns: list = []
for _spec in K.FINANCE_KINDS.values():
    _views = kind_views(_spec)
    _name = _spec.model._meta.model_name
    _slug = _spec.slug
    urlpatterns += [
        path(f"{_slug}/", _views["list"].as_view(), name=f"{_name}_list"),
        path(f"{_slug}/new/", _views["create"].as_view(), name=f"{_name}_create"),
        path(f"{_slug}/<int:pk>/", _views["detail"].as_view(), name=f"{_name}_detail"),
        path(f"{_slug}/<int:pk>/edit/", _views["edit"].as_view(), name=f"{_name}_edit"),
    ]
    for _action, _view in _views.items():  # the actions after approval
        if _action not in ("list", "create", "detail", "edit"):
            urlpatterns.append(
                path(f"{_slug}/<int:pk>/{_action}/", _view.as_view(), name=f"{_name}_{_action}")
            )
