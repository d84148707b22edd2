#!/usr/bin/env python3
"""The obvious letter generator, as the baseline for `amsplan letters generate` (issue 6).

A loop over the ready-to-print orders: one Jinja render and one WeasyPrint
``HTML(string=...).write_pdf()`` per letter, with the SAME template and stylesheet
amsplan ships (``templates/letters/booking.html`` and ``booking.css``) and the same data
(read from the bench folder's database and amsplan.toml). The stylesheet is given by
file name, so WeasyPrint parses it for every letter, as the obvious code does
(``--css-once`` parses it once, to measure that idea alone). It changes nothing in the
database: run it before `amsplan letters generate` on the same orders.

    python bench/naive_letters.py BENCH_FOLDER OUT_FOLDER [--limit N] [--css-once]

Prints a JSON summary (letters, seconds, letters_per_second).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_")[:60] or "x"


def _local(stored: str, tz: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is None:  # SQLite keeps naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(tzinfo=None)


def load(folder: Path, limit: int | None) -> tuple[list[dict], dict]:
    """The letters' data, as amsplan's services/letters.py builds LetterData."""
    from amsplan.domain import codes

    cfg = tomllib.loads((folder / "amsplan.toml").read_text(encoding="utf-8"))
    company, replies, when = cfg.get("company", {}), cfg.get("replies", {}), cfg.get("time", {})
    tz = ZoneInfo(when.get("zone", "Europe/Oslo"))
    url = cfg.get("database", {}).get("url", "sqlite:///amsplan.db")
    db_path = folder / url.removeprefix("sqlite:///")
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT o.order_no, o.customer_name, o.street, o.postcode, o.city, o.meter_point_id,"
        " o.meter_number, o.planned_start, o.estimate_minutes, o.booking_code,"
        " o.technician_id, o.booking_seq, t.name"
        " FROM work_order o LEFT JOIN technician t ON t.id = o.technician_id"
        " WHERE o.status = 'ready_to_print'"
    ).fetchall()
    con.close()
    today = datetime.now(tz).date()
    letters = []
    for (
        order_no,
        name,
        street,
        postcode,
        city,
        mpid,
        meter,
        planned,
        minutes,
        code,
        tech_id,
        seq,
        tech_name,
    ) in rows:
        start = _local(planned, tz)
        letters.append(
            {
                "file_name": f"{start.date():%Y-%m-%d}_{_safe(tech_id or 'x')}_"
                f"{seq or 0:03d}_{_safe(order_no)}.pdf",
                "order_no": order_no,
                "customer_name": name,
                "street": street,
                "postcode": postcode,
                "city": city,
                "meter_point_id": mpid,
                "meter_number": meter,
                "start": start,
                "end": start + timedelta(minutes=minutes or 0),
                "technician_name": tech_name or "",
                "booking_code": codes.format_code(code or ""),
                "company_name": company.get("name", "Nettselskapet AS"),
                "reply_number": replies.get("sms_number", "2222"),
                "keyword_ok": replies.get("keyword_ok", "OK"),
                "keyword_contact": replies.get("keyword_contact", "KONTAKT"),
                "letter_date": today,
                "company_address": company.get("address", ""),
                "company_phone": company.get("phone", ""),
                "by_email": False,  # a printed letter (amsplan's LetterData default)
            }
        )
    letters.sort(key=lambda x: x["file_name"])
    return letters[:limit] if limit else letters, {"locale": when.get("locale", "nb_NO")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="bench folder with amsplan.toml")
    parser.add_argument("out", type=Path, help="where to write the PDFs")
    parser.add_argument("--limit", type=int, default=None, help="only the first N letters")
    parser.add_argument("--css-once", action="store_true", help="parse booking.css once")
    args = parser.parse_args()

    import jinja2
    import weasyprint

    from amsplan.adapters.letters.dates import appointment_text, long_date
    from amsplan.paths import shipped_templates_dir

    started = time.perf_counter()
    letters, opts = load(args.folder, args.limit)
    locale = opts["locale"]
    templates = shipped_templates_dir()
    css_path = templates / "letters" / "booking.css"
    base_url = (templates / "letters").as_uri() + "/"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["long_date"] = lambda d: long_date(d, locale)
    env.globals["appointment_text"] = lambda s, e: appointment_text(s, e, locale)
    stylesheet = weasyprint.CSS(filename=str(css_path)) if args.css_once else str(css_path)
    args.out.mkdir(parents=True, exist_ok=True)
    for i, letter in enumerate(letters):
        context = dict(letter)
        context["appointment"] = appointment_text(letter["start"], letter["end"], locale)
        context["letter_date_text"] = long_date(letter["letter_date"], locale)
        context["anchor"] = f"amsplan-letter-{i}"
        html = env.get_template("letters/booking.html").render(letters=[context])
        weasyprint.HTML(string=html, base_url=base_url).write_pdf(
            args.out / letter["file_name"], stylesheets=[stylesheet]
        )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "letters": len(letters),
                "seconds": round(seconds, 3),
                "letters_per_second": round(len(letters) / seconds, 2) if seconds else None,
                "css_once": args.css_once,
                "template": str(templates / "letters" / "booking.html"),
            }
        )
    )


if __name__ == "__main__":
    main()
