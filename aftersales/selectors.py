"""Reads of aftersales: querysets built through ``Model.objects.for_user(user, action)``."""
