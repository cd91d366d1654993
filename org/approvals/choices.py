"""Who decides a chain step, and how many must approve (shared by the models and the kinds)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApproverType(models.TextChoices):
    POSITION = "position", _("Position")
    DEPARTMENT_HEAD = "department_head", _("Head of the requester's department")
    PERSON = "person", _("A named person")


class Mode(models.TextChoices):
    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")
    AT_LEAST = "at_least", _("At least N of them")
