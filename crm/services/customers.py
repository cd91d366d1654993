"""Writes of customers: create, update (duplicate mobile numbers refused, naming the existing
customer) and merge (everything pointing at the merged customer moves to the kept one)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from crm.models import Customer
from crm.services.validators import normalise_mobile
from dealership.access import check_model_permission, lock_for_user
from dealership.actors import is_system_actor
from dealership.audit import audit_record, save_audited, snapshot
from dealership.models import AuditEntry
from dealership.tenancy import get_scope
from org.access import user_access
from org.capabilities import Capability as C
from org.capabilities import DataScope

UNSET = object()
CUSTOMER_FIELDS = (
    "kind",
    "name",
    "mobile",
    "mobile_alt",
    "landline",
    "wechat",
    "email",
    "province",
    "city",
    "district",
    "street",
    "source",
    "consent_call",
    "consent_call_on",
    "consent_call_how",
    "consent_sms",
    "consent_sms_on",
    "consent_sms_how",
    "owner",
    "notes",
)


class DuplicateCustomer(ValidationError):
    """A mobile number already used by ``existing`` (the form links to it)."""

    def __init__(self, existing: Customer, field: str = "mobile"):
        self.existing = existing
        super().__init__(
            {
                field: _("This mobile number already belongs to customer “%(name)s” (#%(id)s).")
                % {"name": existing.name, "id": existing.pk}
            }
        )


def _pk(value):
    return getattr(value, "pk", value)


def find_by_mobile(mobile: str | None, exclude_pk=None) -> Customer | None:
    """The customer of the dealership (any owner) with ``mobile`` as first or second number."""
    if not mobile:
        return None
    rows = Customer.objects.filter(models.Q(mobile=mobile) | models.Q(mobile_alt=mobile))
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.order_by("pk").first()


def _change_scope(actor) -> DataScope | None:
    access = user_access(actor)
    return DataScope.DEALERSHIP if access.is_system else access.scope_for(C.CRM_CHANGE_CUSTOMER)


def _owner(actor, value):
    """The owner consultant: a user working in the dealership. Someone who changes only their
    own customers owns what they create."""
    from org.models import StaffMember

    scope = _change_scope(actor)
    if scope == DataScope.OWN and not is_system_actor(actor):
        return actor
    if value in (None, ""):
        return None
    user = get_user_model().objects.filter(pk=_pk(value)).first()
    works_here = user is not None and StaffMember.objects.filter(user=user, is_active=True).exists()
    if not works_here:
        raise ValidationError({"owner": _("Choose a person working in this dealership.")})
    if scope == DataScope.DEPARTMENT:
        from crm.access_rules import _department_users

        allowed = set(
            _department_users(user_access(actor)).values_list("staff__user_id", flat=True)
        )
        if user.pk not in allowed and user.pk != actor.pk:
            raise ValidationError({"owner": _("Choose a person of your own departments.")})
    return user


def _clean(customer: Customer) -> None:
    customer.mobile = normalise_mobile(customer.mobile, "mobile")
    customer.mobile_alt = normalise_mobile(customer.mobile_alt, "mobile_alt") or ""
    for field in ("name", "wechat", "email", "landline", "province", "city", "district", "street"):
        setattr(customer, field, (getattr(customer, field) or "").strip())
    if not customer.name:
        raise ValidationError({"name": _("Enter the customer's name.")})
    if customer.mobile and customer.mobile == customer.mobile_alt:
        customer.mobile_alt = ""
    for number, field in ((customer.mobile, "mobile"), (customer.mobile_alt, "mobile_alt")):
        existing = find_by_mobile(number, exclude_pk=customer.pk)
        if existing is not None:
            raise DuplicateCustomer(existing, field)
    for kind in ("call", "sms"):
        if getattr(customer, f"consent_{kind}"):
            if not getattr(customer, f"consent_{kind}_on"):
                raise ValidationError(
                    {f"consent_{kind}_on": _("Give the date the consent was given.")}
                )
            if not getattr(customer, f"consent_{kind}_how"):
                raise ValidationError({f"consent_{kind}_how": _("Say how the consent was given.")})


def _unknown(fields: dict) -> None:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )


def build_customer(actor, fields: dict) -> Customer:
    """A validated, unsaved customer (also used by the import's preview)."""
    _unknown(fields)
    fields = dict(fields)
    fields["owner"] = _owner(actor, fields.get("owner"))
    customer = Customer(dealership_id=get_scope().current_id, **fields)
    _clean(customer)
    customer.full_clean(exclude=["dealership"])
    return customer


@transaction.atomic
def customer_create(*, actor, **fields) -> Customer:
    """A new customer (``fields``: see :data:`CUSTOMER_FIELDS`)."""
    check_model_permission(actor, Customer, "add")
    customer = build_customer(actor, fields)
    return save_audited(actor=actor, obj=customer, before=None, fields=CUSTOMER_FIELDS)


@transaction.atomic
def customer_update(*, actor, customer_id: int, **fields) -> Customer:
    """Change the given fields of a customer the actor may change."""
    _unknown(fields)
    customer = lock_for_user(actor, Customer, customer_id, "change")
    before = snapshot(customer, CUSTOMER_FIELDS)
    if "owner" in fields and _pk(fields["owner"]) != customer.owner_id:
        fields["owner"] = _owner(actor, fields["owner"])
    else:
        fields.pop("owner", None)
    for name, value in fields.items():
        setattr(customer, name, value)
    _clean(customer)
    return save_audited(actor=actor, obj=customer, before=before, fields=CUSTOMER_FIELDS)


MERGE_FILLS = (
    "mobile_alt",
    "landline",
    "wechat",
    "email",
    "province",
    "city",
    "district",
    "street",
)


@transaction.atomic
def customer_merge(*, actor, keep_id: int, merge_id: int) -> Customer:
    """Merge a duplicate into the kept customer: every row pointing at the merged one (vehicles,
    ownership periods, and whatever later modules link to customers) now points at the kept
    one; the kept customer's empty contacts are filled from the merged one; the merged
    customer's data is kept in the audit log and it is deleted. Dealership scope only."""
    if _change_scope(actor) != DataScope.DEALERSHIP:
        raise PermissionDenied(
            _("Only people who may change all customers of the dealership can merge them.")
        )
    if _pk(keep_id) == _pk(merge_id):
        raise ValidationError({"merge_id": _("A customer cannot be merged into itself.")})
    first, second = sorted([_pk(keep_id), _pk(merge_id)])  # lock in a fixed order
    locked = {
        first: lock_for_user(actor, Customer, first),
        second: lock_for_user(actor, Customer, second),
    }
    keep, merged = locked[_pk(keep_id)], locked[_pk(merge_id)]
    gone = snapshot(merged)
    before = snapshot(keep, CUSTOMER_FIELDS)
    moved = {}
    # every reverse relation, hidden ones too (related_name="+": contact checks, the phone log …)
    for relation in Customer._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete:
            continue
        if not (relation.one_to_many or relation.one_to_one) or relation.related_model is Customer:
            continue
        manager = relation.related_model._default_manager
        count = manager.filter(**{relation.field.name: merged}).update(
            **{relation.field.name: keep}
        )
        if count:
            moved[relation.related_model._meta.label] = count
    merged_mobile, merged_id = merged.mobile, merged.pk
    merged.delete()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=_Ghost(merged, merged_id),
        before={**gone, "merged_into": keep.pk},
        after=None,
    )
    if not keep.mobile and merged_mobile:
        keep.mobile = merged_mobile
    elif merged_mobile and not keep.mobile_alt and merged_mobile != keep.mobile:
        keep.mobile_alt = merged_mobile
    for name in MERGE_FILLS:
        if not getattr(keep, name) and getattr(merged, name):
            setattr(keep, name, getattr(merged, name))
    keep.full_clean(exclude=["dealership"])
    keep.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=keep,
        before=before,
        after={**snapshot(keep, CUSTOMER_FIELDS), "merged_from": merged_id, "moved": moved},
    )
    return keep


class _Ghost:
    """The deleted customer as the audit log needs it (its primary key is gone from the
    instance after ``delete()``)."""

    def __init__(self, customer: Customer, pk):
        self._meta = customer._meta
        self.pk = pk
        self.dealership_id = customer.dealership_id
        self._name = customer.name

    def __str__(self) -> str:
        return self._name
