"""Reads of crm: querysets built through ``Model.objects.for_user(user, action)``."""
