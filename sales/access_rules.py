"""Who sees and changes what in sales.

* Showroom traffic, leads, test drives and key accounts: ``sales.view_prospect`` /
  ``sales.change_prospect``; quotes, orders, trade-ins, deliveries, the day confirmations:
  ``sales.view_order`` / ``sales.change_order``. "Own" = the rows whose consultant (a key
  account's manager) is the user, "department" = those of the people holding a position in one
  of the user's departments (the showroom supervisor and sales manager see the whole floor).
* Stock and allocation requests: ``sales.view_stock`` / ``sales.change_stock`` (the stock is
  the department's: department scope sees it all; "own" = the cars of one's own orders).
* Targets and discount limits: seen with ``sales.view_order`` (a consultant: their own),
  set with ``sales.change_plan``.
* Sales plans (year, quarter, month): seen with ``sales.view_order`` at department scope or
  wider (the floor's managers, the GM office), drafted with ``sales.change_plan``.
* Price lists: seen with ``sales.view_order`` (a consultant: the approved lists, which they
  quote from; department scope: drafts too), drafted with ``sales.change_price_list``.
* Sub-dealers and their assessments: seen with ``sales.view_order`` ("own" = the sub-dealers
  the user looks after), kept with ``sales.change_network``."""

from __future__ import annotations

from django.db.models import Q

from org.access import ModelAccess, UserAccess, register_model_access
from org.capabilities import Capability as C


def department_users(access: UserAccess):
    """Users holding a position in one of ``access``'s departments (a subquery)."""
    from org.models import PositionAssignment

    return PositionAssignment.objects.filter(
        position__department_id__in=access.department_ids, staff__is_active=True
    ).values("staff__user_id")


def _by(field: str, view: C, change: C) -> ModelAccess:
    def own(access: UserAccess) -> Q:
        return Q(**{f"{field}_id": access.user_id})

    def department(access: UserAccess) -> Q:
        return own(access) | Q(**{f"{field}_id__in": department_users(access)})

    return ModelAccess(view=view, change=change, own=own, department=department)


def _everything(access: UserAccess) -> Q:
    return Q()


def _own_orders_cars(access: UserAccess) -> Q:
    from sales.models import Order

    return Q(pk__in=Order.objects.filter(consultant_id=access.user_id).values("stock_vehicle_id"))


def _target_department(access: UserAccess) -> Q:
    return (
        Q(consultant_id=access.user_id)
        | Q(consultant__isnull=True)
        | Q(consultant_id__in=department_users(access))
    )


def _own_limits(access: UserAccess) -> Q:
    from org.models import PositionAssignment

    held = PositionAssignment.objects.filter(staff__user_id=access.user_id).values("position_id")
    return Q(position_id__in=held)


def _approved_lists(access: UserAccess) -> Q:
    return Q(state="approved")


def register() -> None:
    from sales import models as m

    prospect = (C.SALES_VIEW_PROSPECT, C.SALES_CHANGE_PROSPECT)
    order = (C.SALES_VIEW_ORDER, C.SALES_CHANGE_ORDER)
    register_model_access(m.Visit, _by("consultant", *prospect))
    register_model_access(m.Lead, _by("consultant", *prospect))
    register_model_access(m.TestDrive, _by("consultant", *prospect))
    register_model_access(m.KeyAccount, _by("manager", *prospect))
    register_model_access(m.Quote, _by("consultant", *order))
    register_model_access(m.QuoteItem, _by("quote__consultant", *order))
    register_model_access(m.Order, _by("consultant", *order))
    register_model_access(m.TradeIn, _by("order__consultant", *order))
    register_model_access(m.Delivery, _by("consultant", *order))
    register_model_access(m.DayConfirmation, _by("confirmed_by", *order))
    stock = {"view": C.SALES_VIEW_STOCK, "change": C.SALES_CHANGE_STOCK}
    register_model_access(
        m.StockVehicle, ModelAccess(**stock, own=_own_orders_cars, department=_everything)
    )
    for model in (m.AllocationRequest, m.AllocationLine):
        register_model_access(model, ModelAccess(**stock, own=None, department=_everything))
    register_model_access(
        m.SalesTarget,
        ModelAccess(
            view=C.SALES_VIEW_ORDER,
            change=C.SALES_CHANGE_PLAN,
            own=lambda access: Q(consultant_id=access.user_id),
            department=_target_department,
        ),
    )
    register_model_access(
        m.DiscountLimit,
        ModelAccess(
            view=C.SALES_VIEW_ORDER,
            change=C.SALES_CHANGE_PLAN,
            own=_own_limits,
            department=_everything,
        ),
    )
    register_model_access(
        m.SalesPlan,
        ModelAccess(view=C.SALES_VIEW_ORDER, change=C.SALES_CHANGE_PLAN, department=_everything),
    )
    register_model_access(
        m.SalesPlanLine,
        ModelAccess(view=C.SALES_VIEW_ORDER, change=C.SALES_CHANGE_PLAN, department=_everything),
    )
    register_model_access(
        m.PriceList,
        ModelAccess(
            view=C.SALES_VIEW_ORDER,
            change=C.SALES_CHANGE_PRICE_LIST,
            own=_approved_lists,
            department=_everything,
        ),
    )
    network = {"view": C.SALES_VIEW_ORDER, "change": C.SALES_CHANGE_NETWORK}
    register_model_access(
        m.SubDealer,
        ModelAccess(
            **network, own=lambda access: Q(manager_id=access.user_id), department=_everything
        ),
    )
    register_model_access(
        m.SubDealerAssessment,
        ModelAccess(
            **network,
            own=lambda access: Q(sub_dealer__manager_id=access.user_id),
            department=_everything,
        ),
    )
