"""Pages of crm, one module per area, each with its ``urlpatterns`` (and ``register_widgets()``)."""


def may_open(model_name: str, action: str = "view"):
    """A navigation check: may the request's user ``action`` rows of crm's ``model_name``?"""

    def check(request) -> bool:
        from django.apps import apps

        from dealership.access import can

        if getattr(request, "tenant_scope", None) is None:
            return False
        return can(request.user, apps.get_model("crm", model_name), action)

    return check
