"""Reads of finance: querysets built through ``Model.objects.for_user(user, action)``."""
