"""Finding orders: the filter behind `orders list`, saved filters, and `--filter NAME`."""

from __future__ import annotations

from sqlmodel import Session

from amsplan.domain.search import PREDEFINED, SORTS, OrderFilter, check_sort, text_terms
from amsplan.errors import InputError, NotFound
from amsplan.i18n import _
from amsplan.services.context import Context
from amsplan.store import search as store
from amsplan.store.models import Order, SavedFilter
from amsplan.store.orders import find_orders
from amsplan.store.technicians import get_technician

__all__ = ["PREDEFINED", "SORTS", "OrderFilter", "text_terms"]  # the rules, for the CLI


def search(
    ctx: Context, flt: OrderFilter, sort: str = "appointment", limit: int | None = None
) -> tuple[list[Order], int]:
    """Orders matching the filter (at most `limit`), and how many match in all."""
    tz, country = ctx.settings.tz, ctx.settings.country
    with ctx.session(readonly=True) as s:
        if flt.tech:
            get_technician(s, flt.tech)
        check_sort(sort)
        total = store.count(s, flt, tz, country)
        if sort == "postcode":  # the visiting order, the same as assign --filter places
            numbers = store.matching_numbers(s, flt, tz, country, sort)[:limit]
            found = find_orders(s, numbers)
            return [found[n] for n in numbers], total
        return store.orders(s, flt, tz, country, sort, limit), total


def matching_order_nos(
    session: Session, ctx: Context, flt: OrderFilter, sort: str = "order"
) -> list[str]:
    """The numbers of the orders the filter matches, sorted."""
    return store.matching_numbers(session, flt, ctx.settings.tz, ctx.settings.country, sort)


# --- saved filters -------------------------------------------------------------


def get_filter(session: Session, name: str) -> OrderFilter:
    if name in PREDEFINED:
        return PREDEFINED[name]
    saved = store.saved(session, name)
    if saved is None:
        raise NotFound(_("no saved filter {name!r} (see amsplan filters list)").format(name=name))
    return OrderFilter.from_json(saved.criteria)


def save_filter(ctx: Context, name: str, flt: OrderFilter) -> None:
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError(_("a filter name is 1 to 100 characters"))
    if name in PREDEFINED:
        raise InputError(
            _("{name!r} is a predefined filter; choose another name").format(name=name)
        )
    with ctx.session() as s:
        saved = store.saved(s, name) or SavedFilter(name=name, criteria="")
        saved.criteria, saved.created_by, saved.created_at = flt.to_json(), ctx.user, ctx.now()
        s.add(saved)


def list_filters(ctx: Context) -> list[tuple[str, OrderFilter, str | None]]:
    """(name, filter, who saved it; None for a predefined one)."""
    with ctx.session(readonly=True) as s:
        saved = store.all_saved(s)
    return [(n, f, None) for n, f in PREDEFINED.items()] + [
        (f.name, OrderFilter.from_json(f.criteria), f.created_by) for f in saved
    ]


def show_filter(ctx: Context, name: str) -> OrderFilter:
    with ctx.session(readonly=True) as s:
        return get_filter(s, name)


def delete_filter(ctx: Context, name: str) -> None:
    if name in PREDEFINED:
        raise InputError(_("{name!r} is predefined and cannot be deleted").format(name=name))
    with ctx.session() as s:
        saved = store.saved(s, name)
        if saved is None:
            raise NotFound(_("no saved filter {name!r}").format(name=name))
        s.delete(saved)


def order_ids_of(ctx: Context, filter_name: str) -> set[int]:
    """The ids of the orders a saved filter matches (for reports)."""
    with ctx.session(readonly=True) as s:
        flt = get_filter(s, filter_name)
        return store.matching_ids(s, flt, ctx.settings.tz, ctx.settings.country)


def resolve_selection(
    ctx: Context, order_nos: list[str] | None, filter_name: str | None, sort: str = "order"
) -> list[str] | None:
    """Order numbers from the arguments or from a saved filter (not both); None if neither."""
    if order_nos and filter_name:
        raise InputError(_("name orders, or --filter, not both"))
    if not filter_name:
        return order_nos or None
    with ctx.session(readonly=True) as s:
        found = matching_order_nos(s, ctx, get_filter(s, filter_name), sort)
    if not found:
        raise InputError(_("the filter {name!r} matches no orders").format(name=filter_name))
    return found
