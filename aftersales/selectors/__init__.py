"""Reads of after-sales, one module per area, through ``Model.objects.for_user(user, action)``."""
