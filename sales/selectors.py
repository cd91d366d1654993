"""Reads of sales: querysets built through ``Model.objects.for_user(user, action)``."""
