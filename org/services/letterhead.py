"""The dealership's letterhead: the address and the logo printed at the head of the customer's
documents (:mod:`dealership.documents`). Kept by holders of ``org.change_dealership`` at
dealership scope (by default the GM and the administration manager), for the dealership they
work in now, never in HQ's read-only group view."""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from dealership.actors import is_system_actor
from dealership.audit import audit_record
from dealership.files import check_image
from dealership.models import AuditEntry, Dealership
from dealership.tenancy import current_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

logger = logging.getLogger(__name__)

#: What a logo may be: PNG or JPEG (by content), at most 1 MB and 2000 pixels a side (the
#: heading prints it at most 30 × 16 mm: 2000 pixels is far more than any printer needs).
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 2000
LOGO_FORMATS = ("PNG", "JPEG")
FIELDS = ("address", "logo")


def may_change_letterhead(user) -> bool:
    """May ``user`` change the letterhead of the dealership they work in now? Holders of
    ``org.change_dealership`` at dealership scope, in a writable single-dealership scope (HQ's
    group view reads only)."""
    scope = current_scope()
    if scope is None or scope.current_id is None or not scope.can_write(scope.current_id):
        return False
    if is_system_actor(user):
        return True
    access = user_access(user)
    if access.is_system:
        return True
    found = access.scope_for(C.ORG_CHANGE_DEALERSHIP)
    return access.writable and found is not None and found >= DataScope.DEALERSHIP


def _require(actor, dealership: Dealership) -> None:
    """403 unless ``actor`` may change the letterhead and ``dealership`` is the one they work in
    now (another dealership's, even one where they hold the capability too, is refused)."""
    scope = current_scope()
    if not may_change_letterhead(actor) or scope is None or scope.current_id != dealership.pk:
        raise PermissionDenied(_("You do not have permission to perform this action."))


def _values(dealership: Dealership) -> dict:
    return {"address": dealership.address, "logo": dealership.logo.name or ""}


def _clean_address(dealership: Dealership, address) -> str:
    address = " ".join(str(address or "").split())  # one line on the printed heading
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in address):
        raise ValidationError(
            {"address": _("Text may not contain control characters such as NUL.")}
        )
    field = Dealership._meta.get_field("address")
    try:
        return field.clean(address, dealership)
    except ValidationError as error:
        raise ValidationError({"address": error.messages}) from None


@transaction.atomic
def dealership_letterhead_update(
    *, actor, dealership: Dealership, address: str, logo=None, remove_logo: bool = False
) -> Dealership:
    """Set the address and the logo of ``dealership`` (the actor's current one): ``logo`` a new
    image (an uploaded file: PNG or JPEG checked by content, at most ``LOGO_MAX_BYTES`` and
    ``LOGO_MAX_SIDE`` pixels a side), or ``remove_logo`` to print the brand's name in its place.
    Everything is checked before anything is written; the change is audited; a replaced or
    removed logo's file is deleted once the change is committed. Returns the dealership as
    stored."""
    _require(actor, dealership)
    if logo is not None and remove_logo:
        raise ValidationError({"logo": _("Upload a new logo or remove the current one, not both.")})
    extension = ""
    if logo is not None:
        try:
            extension = check_image(
                logo, max_bytes=LOGO_MAX_BYTES, max_side=LOGO_MAX_SIDE, formats=LOGO_FORMATS
            )
        except ValidationError as error:
            raise ValidationError({"logo": error.messages}) from None
    current = Dealership.objects.select_for_update().get(pk=dealership.pk)
    address = _clean_address(current, address)
    before = _values(current)
    old_name = current.logo.name or ""
    current.address = address
    new_name = ""
    try:
        if logo is not None:
            logo.seek(0)
            name = f"{current.code}-{uuid.uuid4().hex[:12]}{extension}"
            current.logo.save(name, ContentFile(logo.read()), save=False)
            new_name = current.logo.name
        elif remove_logo:
            current.logo = ""
        after = _values(current)
        if after == before:
            return current
        current.save(update_fields=["address", "logo"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=current,
            before=before,
            after=after,
            dealership_id=current.pk,
        )
    except BaseException:
        if new_name:  # written before the failure: not left behind
            _delete_file(new_name)
        raise
    if old_name and old_name != after["logo"]:
        transaction.on_commit(lambda: _delete_file(old_name, unless_used=True))
    return Dealership.objects.select_related("brand").get(pk=current.pk)


def _delete_file(name: str, *, unless_used: bool = False) -> None:
    """Delete a logo's file from the storage (a file another dealership still names stays)."""
    field = Dealership._meta.get_field("logo")
    if unless_used and Dealership.objects.filter(logo=name).exists():
        return
    try:
        field.storage.delete(name)
    except OSError:
        logger.warning("The logo file %s could not be deleted", name)
