"""Finding orders: the filter behind `orders list`, saved filters, and `--filter NAME`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from amsplan import clock
from amsplan.config import RESOLUTION_OK
from amsplan.domain import codes, phones
from amsplan.domain.statuses import Status
from amsplan.errors import InputError, NotFound
from amsplan.services.context import Context
from amsplan.store.models import BookingCode, Order, SavedFilter


@dataclass
class OrderFilter:
    """Every way a planner cuts the orders; empty fields do not filter."""

    status: list[str] = field(default_factory=list)
    tech: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    stage: str | None = None
    municipality: str | None = None
    postcode: str | None = None
    important: bool | None = None
    difficult: bool | None = None
    cancelled: bool | None = None
    failed_visit: bool | None = None
    owner: str | None = None
    text: str | None = None  # in name or address
    code: str | None = None  # any booking code the order ever had
    meter_point: str | None = None

    def __post_init__(self) -> None:
        for status in self.status:
            try:
                Status(status)
            except ValueError:
                names = ", ".join(s.value for s in Status)
                raise InputError(f"--status {status!r}: use one of {names}") from None
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InputError("--to is before --from")

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, [], "") for f in fields(self))

    def merged(self, other: OrderFilter) -> OrderFilter:
        """This filter with every field `other` sets replaced."""
        values = asdict(self)
        values.update({k: v for k, v in asdict(other).items() if v not in (None, [], "")})
        return OrderFilter(**values)

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, [], "")}
        return json.dumps(data, default=str, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> OrderFilter:
        data = json.loads(text)
        for key in ("date_from", "date_to"):
            if data.get(key):
                data[key] = date.fromisoformat(data[key])
        return cls(**data)

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in json.loads(self.to_json()).items()) or "all"

    def where(self, query, ctx: Context):
        """The query restricted by this filter (values are always bound, never spliced)."""
        tz = ctx.settings.tz
        if self.status:
            query = query.where(Order.status.in_(self.status))
        if self.tech:
            query = query.where(Order.technician_id == self.tech)
        if self.date_from:
            query = query.where(Order.planned_start >= clock.day_bounds(self.date_from, tz)[0])
        if self.date_to:
            query = query.where(Order.planned_start < clock.day_bounds(self.date_to, tz)[1])
        for column, value in ((Order.stage, self.stage), (Order.postcode, self.postcode),
                              (Order.municipality_no, self.municipality),
                              (Order.owner, self.owner)):  # fmt: skip
            if value:
                query = query.where(column == value)
        if self.meter_point:
            query = query.where(Order.meter_point_id == self.meter_point.strip())
        for column, value in ((Order.important_info, self.important),
                              (Order.difficult_meter, self.difficult),
                              (Order.cancelled, self.cancelled)):  # fmt: skip
            if value is not None:
                query = query.where(column == value)
        if self.failed_visit is not None:
            failed = (Order.status == Status.RESOLVED.value) & (Order.resolution != RESOLUTION_OK)
            query = query.where(failed if self.failed_visit else ~failed)
        if self.text:
            for part in text_terms(self.text, ctx.settings.country):
                words = part.replace("\\", "\\\\").replace("%", "\\%")
                pattern = "%" + words.replace("_", "\\_") + "%"
                query = query.where(Order.search_text.like(pattern, escape="\\"))
        if self.code:
            code = codes.canonical(self.code) or "-"  # a mistyped code matches nothing
            query = query.where(
                Order.id.in_(select(BookingCode.order_id).where(BookingCode.code == code))
            )
        return query


def text_terms(text: str, country: str = "NO") -> list[str]:
    """What free text must contain, each a substring of Order.search_text: the words as
    typed (case-folded), and phone numbers in it by their national digits."""
    numbers, words = phones.numbers_in(text, country)
    if not numbers:
        return [text.casefold()]
    return [*(w.casefold() for w in words), *numbers]


SORTS = {
    "appointment": (Order.planned_start, Order.booking_seq, Order.order_no),
    "order": (Order.order_no,),
    "status": (Order.status, Order.order_no),
    "postcode": (),  # by postcode, then street in natural order: see matching_order_nos
    "name": (Order.customer_name, Order.order_no),
    "updated": (Order.updated_at.desc(), Order.order_no),
}

# The filters the manuals name, always there.
PREDEFINED: dict[str, OrderFilter] = {
    "Alle ordre klar til utskrift": OrderFilter(status=[Status.READY_TO_PRINT.value]),
    "Alle ordre som venter på respons": OrderFilter(status=[Status.AWAITING_RESPONSE.value]),
    "Alle ordre til manuell oppfølging": OrderFilter(status=[Status.MANUAL_FOLLOWUP.value]),
    "Alle ordre klar til utførelse": OrderFilter(status=[Status.READY_FOR_EXECUTION.value]),
    "Alle bomturer": OrderFilter(failed_visit=True),
    "Alle kansellerte ordre": OrderFilter(cancelled=True),
    "Alle ordre på vent": OrderFilter(status=[Status.ON_HOLD.value]),
}


def _sorted(query, sort: str):
    if sort not in SORTS:
        raise InputError(f"--sort {sort!r}: use one of {', '.join(SORTS)}")
    return query.order_by(*SORTS[sort])


def search(
    ctx: Context, flt: OrderFilter, sort: str = "appointment", limit: int | None = None
) -> tuple[list[Order], int]:
    """Orders matching the filter (at most `limit`), and how many match in all."""
    with ctx.session(readonly=True) as s:
        if flt.tech:
            from amsplan.store.technicians import get_technician

            get_technician(s, flt.tech)
        total = s.exec(flt.where(select(func.count()).select_from(Order), ctx)).one()
        if sort == "postcode":  # the visiting order, the same as assign --filter places
            numbers = matching_order_nos(s, ctx, flt, sort)[:limit]
            found = {o.order_no: o for o in _by_numbers(s, numbers)}
            return [found[n] for n in numbers], total
        query = _sorted(flt.where(select(Order), ctx), sort)
        if limit is not None:
            query = query.limit(limit)
        return list(s.exec(query)), total


def _by_numbers(session: Session, numbers: list[str]) -> list[Order]:
    found: list[Order] = []
    for i in range(0, len(numbers), 5000):
        chunk = numbers[i : i + 5000]
        found += session.exec(select(Order).where(Order.order_no.in_(chunk)))
    return found


def matching_order_nos(session: Session, ctx: Context, flt: OrderFilter, sort="order") -> list[str]:
    if sort == "postcode":  # visiting order: the street sorts naturally (7 before 12)
        from amsplan.domain.slots import natural_key

        rows = session.exec(flt.where(select(Order.order_no, Order.postcode, Order.street), ctx))
        ordered = sorted(rows, key=lambda r: (r[1] or "", natural_key(r[2]), r[0]))
        return [r[0] for r in ordered]
    return list(session.exec(_sorted(flt.where(select(Order.order_no), ctx), sort)))


# --- saved filters -------------------------------------------------------------


def get_filter(session: Session, name: str) -> OrderFilter:
    if name in PREDEFINED:
        return PREDEFINED[name]
    saved = session.get(SavedFilter, name)
    if saved is None:
        raise NotFound(f"no saved filter {name!r} (see `amsplan filters list`)")
    return OrderFilter.from_json(saved.criteria)


def save_filter(ctx: Context, name: str, flt: OrderFilter) -> None:
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("a filter name is 1 to 100 characters")
    if name in PREDEFINED:
        raise InputError(f"{name!r} is a predefined filter; choose another name")
    with ctx.session() as s:
        saved = s.get(SavedFilter, name) or SavedFilter(name=name, criteria="")
        saved.criteria, saved.created_by, saved.created_at = flt.to_json(), ctx.user, ctx.now()
        s.add(saved)


def list_filters(ctx: Context) -> list[tuple[str, OrderFilter, str]]:
    """(name, filter, who saved it or 'predefined')."""
    with ctx.session(readonly=True) as s:
        saved = list(s.exec(select(SavedFilter).order_by(SavedFilter.name)))
    return [(n, f, "predefined") for n, f in PREDEFINED.items()] + [
        (f.name, OrderFilter.from_json(f.criteria), f.created_by) for f in saved
    ]


def show_filter(ctx: Context, name: str) -> OrderFilter:
    with ctx.session(readonly=True) as s:
        return get_filter(s, name)


def delete_filter(ctx: Context, name: str) -> None:
    if name in PREDEFINED:
        raise InputError(f"{name!r} is predefined and cannot be deleted")
    with ctx.session() as s:
        saved = s.get(SavedFilter, name)
        if saved is None:
            raise NotFound(f"no saved filter {name!r}")
        s.delete(saved)


def order_ids_of(ctx: Context, filter_name: str) -> set[int]:
    """The ids of the orders a saved filter matches (for reports)."""
    with ctx.session(readonly=True) as s:
        flt = get_filter(s, filter_name)
        return set(s.exec(flt.where(select(Order.id), ctx)))


def resolve_selection(
    ctx: Context, order_nos: list[str] | None, filter_name: str | None, sort: str = "order"
) -> list[str] | None:
    """Order numbers from the arguments or from a saved filter (not both); None if neither."""
    if order_nos and filter_name:
        raise InputError("name orders, or --filter, not both")
    if not filter_name:
        return order_nos or None
    with ctx.session(readonly=True) as s:
        found = matching_order_nos(s, ctx, get_filter(s, filter_name), sort)
    if not found:
        raise InputError(f"the filter {filter_name!r} matches no orders")
    return found
