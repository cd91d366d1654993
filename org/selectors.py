"""Reads of org: querysets built through ``Model.objects.for_user(user, action)``."""
