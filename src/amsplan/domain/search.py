"""Finding orders, the rules: which fields a filter has and which values they take, the
sorts, the predefined filters, and what free text must match (pure; the store turns a
filter into SQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from amsplan.domain import phones
from amsplan.domain.statuses import DEFAULT_LABELS, Status
from amsplan.errors import InputError
from amsplan.i18n import _


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
                raise InputError(
                    _("--status {status!r}: use one of {names}").format(status=status, names=names)
                ) from None
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InputError(_("--to is before --from"))

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

    def criteria(self) -> dict[str, object]:
        """Every field by name, None where it does not filter (dates as dates): the
        filter for scripts (`filters list --json`)."""
        return {
            k: v if k == "status" or v not in ([], "") else None for k, v in asdict(self).items()
        }

    def describe(self, label: Callable[[str], str] | None = None) -> str:
        """The filter in the planner's words: "status: Åpen; bomtur". `label` names a
        status (Settings.label: a company's own labels); default: the standard labels."""
        name = label or (lambda s: _(DEFAULT_LABELS[Status(s)]))
        yes_no = {
            "important": (_("important"), _("not important")),
            "difficult": (_("difficult meter"), _("not a difficult meter")),
            "cancelled": (_("cancelled upstream"), _("not cancelled")),
            "failed_visit": (_("failed visit"), _("no failed visit")),
        }
        parts = []
        if self.status:
            parts.append(_("status: {statuses}").format(
                statuses=", ".join(name(s) for s in self.status)))  # fmt: skip
        for key, text in (
            ("tech", _("technician: {value}")),
            ("date_from", _("from {value}")),
            ("date_to", _("to {value}")),
            ("stage", _("stage: {value}")),
            ("municipality", _("municipality: {value}")),
            ("postcode", _("postcode: {value}")),
            ("important", None), ("difficult", None), ("cancelled", None),
            ("failed_visit", None),
            ("owner", _("responsible: {value}")),
            ("text", _("text: \"{value}\"")),
            ("code", _("booking code: {value}")),
            ("meter_point", _("meter point: {value}")),
        ):  # fmt: skip
            value = getattr(self, key)
            if value in (None, ""):
                continue
            if text is None:
                parts.append(yes_no[key][0 if value else 1])
            else:
                parts.append(
                    text.format(value=f"{value:%d.%m.%Y}" if isinstance(value, date) else value)
                )
        return "; ".join(parts) or _("all orders")


def text_terms(text: str, country: str = "NO") -> list[str]:
    """What free text must contain, each a substring of Order.search_text: the words as
    typed (case-folded), and phone numbers in it by their national digits."""
    numbers, words = phones.numbers_in(text, country)
    if not numbers:
        return [text.casefold()]
    return [*(w.casefold() for w in words), *numbers]


# The sorts `orders list --sort` offers ("postcode": by postcode, then the street in
# natural order, the visiting order `assign --filter` places in).
SORTS = ("appointment", "order", "status", "postcode", "name", "updated")


def check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise InputError(
            _("--sort {sort!r}: use one of {sorts}").format(sort=sort, sorts=", ".join(SORTS))
        )


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
