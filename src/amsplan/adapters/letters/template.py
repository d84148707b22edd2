"""The letter as HTML: what is printed (LetterData), the template and CSS files, Jinja.

``LetterTemplate`` finds ``letters/booking.html`` and ``letters/booking.css`` (in an
override folder first, then in the shipped templates) and renders the HTML of a batch of
letters in one of the template's modes: ``full`` (whole letters), ``background`` (the
parts every letter shares, slots hidden) or ``overlay`` (only the slots). Every user value
is escaped (autoescape) and a missing one is an error (StrictUndefined).

What this module must not do: import WeasyPrint (importing it is cheap, the SMS texts and
the CLI may use it), lay anything out, or know databases or orders: LetterData is plain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2

from amsplan.adapters.letters.dates import appointment_text, long_date
from amsplan.paths import shipped_templates_dir

__all__ = [
    "ANCHOR_PREFIX",
    "STATIC_FIELDS",
    "LetterData",
    "LetterRenderError",
    "LetterTemplate",
    "pdf_title",
    "static_key",
]

TEMPLATE_NAME = "letters/booking.html"
CSS_NAME = "letters/booking.css"

#: The id of each letter's ``.letter-start`` marker is this and the letter's place in the
#: batch: where a laid-out batch is cut into letters.
ANCHOR_PREFIX = "amsplan-letter-"

#: The LetterData fields that are the same for a whole batch: part of the background.
STATIC_FIELDS = (
    "company_name",
    "company_address",
    "company_phone",
    "reply_number",
    "keyword_ok",
    "keyword_contact",
    "letter_date",
    "by_email",
)


class LetterRenderError(RuntimeError):
    """A letter could not be rendered (template error, bad template override, ...)."""


@dataclass(frozen=True)
class LetterData:
    """Everything printed on one booking letter. Plain data: no database objects."""

    order_no: str
    customer_name: str
    street: str
    postcode: str
    city: str
    meter_point_id: str
    meter_number: str
    start: datetime  # naive local wall-clock time of the appointment
    end: datetime  # start + estimate
    technician_name: str
    booking_code: str  # already formatted for print, e.g. "ACDE-FH34"
    company_name: str
    reply_number: str  # SMS number the customer replies to, e.g. "2222"
    keyword_ok: str  # "OK"
    keyword_contact: str  # "KONTAKT"
    letter_date: date
    company_address: str = ""
    company_phone: str = ""
    by_email: bool = False  # attached to a booking e-mail: the customer may answer it


def pdf_title(letter: LetterData) -> str:
    """The title in the PDF file of a letter."""
    return f"Bookingbrev {letter.order_no}"


def static_key(letter: LetterData) -> tuple[object, ...]:
    """The fields of ``letter`` that one background serves (STATIC_FIELDS)."""
    return tuple(getattr(letter, name) for name in STATIC_FIELDS)


class LetterTemplate:
    """The booking letter template and its stylesheet, with Jinja ready to render them.

    ``template_dir`` may override ``letters/booking.html`` and/or ``letters/booking.css``;
    whatever it lacks comes from the shipped templates. A missing folder is an error.
    """

    def __init__(self, template_dir: Path | None = None, locale: str = "nb_NO"):
        self.locale = locale
        shipped = shipped_templates_dir()
        search_path: list[Path] = []
        if template_dir is not None:
            template_dir = Path(template_dir).expanduser().resolve()
            if not template_dir.is_dir():
                raise FileNotFoundError(f"letter template folder not found: {template_dir}")
            search_path.append(template_dir)
        search_path.append(shipped)
        self.template_dir = template_dir

        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self._env.filters["long_date"] = lambda d: long_date(d, self.locale)
        self._env.globals["appointment_text"] = lambda start, end: appointment_text(
            start, end, self.locale
        )
        try:
            self._template = self._env.get_template(TEMPLATE_NAME)
        except jinja2.TemplateError as exc:
            raise LetterRenderError(f"letter template {TEMPLATE_NAME}: {exc}") from exc
        self.template_path = Path(self._template.filename or shipped / TEMPLATE_NAME).resolve()
        #: Relative URLs in the template (a logo next to it, say) resolve from its folder.
        self.base_url = self.template_path.parent.as_uri() + "/"
        self.css_path = next(
            p / CSS_NAME for p in search_path if (p / CSS_NAME).is_file()
        ).resolve()

    def _context(self, letter: LetterData, index: int) -> dict[str, Any]:
        ctx = {f.name: getattr(letter, f.name) for f in fields(LetterData)}
        try:
            ctx["appointment"] = appointment_text(letter.start, letter.end, self.locale)
        except ValueError as exc:
            raise LetterRenderError(f"order {letter.order_no}: {exc}") from exc
        ctx["letter_date_text"] = long_date(letter.letter_date, self.locale)
        ctx["anchor"] = f"{ANCHOR_PREFIX}{index}"
        return ctx

    def html(
        self, letters: Sequence[LetterData], mode: str = "full", slots: Sequence[str] = ()
    ) -> str:
        """The HTML of a batch of letters, in ``mode`` (full, background or overlay)."""
        try:
            return self._template.render(
                letters=[self._context(letter, i) for i, letter in enumerate(letters)],
                mode=mode,
                slots=list(slots),
            )
        except jinja2.TemplateError as exc:
            raise LetterRenderError(f"letter template {self.template_path}: {exc}") from exc
