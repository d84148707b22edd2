#!/usr/bin/env python3
"""Seeded synthetic data at roll-out scale, in the formats amsplan imports.

Standard library (plus ``amsplan.domain.codes`` for replies and ``amsplan.domain.holidays``
for working days), deterministic for a given seed:
the same arguments write byte-identical files.

    python bench/gen.py orders 1000000 orders.csv           # the customer system's export
    python bench/gen.py orders 500000 b.csv --first 500001  # the second half of a million
    python bench/gen.py techs 125 technicians.csv

Replies need booking codes, so they are written by ``bench/run.py`` from the database
(see :func:`write_replies`).

The geography, names, phone styles and descriptions come from ``sample_data/generate.py``
(imported, not copied): real postcodes and municipalities around Hamar, Norwegian names
with æ/ø/å, and the same shares of empty addresses, landlines, missing coordinates,
companies, important info and difficult meters. What has to stay unique at a million rows
(order number, metering point id, meter number, mobile number) is derived from the serial
number through a fixed permutation, so it is unique without remembering what was drawn.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 2026


def _load_sample_generator():
    """sample_data/generate.py as a module (it is a script, not a package)."""
    path = ROOT / "sample_data" / "generate.py"
    spec = importlib.util.spec_from_file_location("amsplan_sample_generate", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


sample = _load_sample_generator()

ORDER_HEADERS = sample.ORDER_HEADERS
TECHNICIAN_HEADERS = sample.TECHNICIAN_HEADERS
REPLY_HEADERS = ["Mottatt", "Avsender", "Melding", "Meldings-ID"]

# Shares as in sample_data (there as exact counts of 360 orders).
SHARE_EMPTY_PHONE = 22 / 360
SHARE_LANDLINE = 29 / 360
SHARE_NO_COORDS = 36 / 360
SHARE_IMPORTANT = 18 / 360
SHARE_DIFFICULT = 25 / 360
SHARE_COMPANY = 18 / 360
SHARE_EMPTY_ADDRESS = 11 / 360


def _permute(serial: int, modulus: int, salt: int) -> int:
    """A bijection of range(modulus): unique values that look random.

    An affine map (multiplier coprime to 2, 3 and 5) and then a three-round Feistel network
    on the two halves of the number (addition modulo the half is invertible whatever the
    round function), cycle-walking back into range when `modulus` is not a square of one.
    """
    half = 10 ** ((len(str(modulus - 1)) + 1) // 2)
    x = (serial * 7_368_787 + salt * 1_000_003 + 12_345) % modulus
    while True:
        left, right = divmod(x, half)
        for r in range(3):
            left, right = right, (left + (right * 2_654_435_761 + salt + r) % 99_991) % half
        x = left * half + right
        if x < modulus:
            return x


def _area_table() -> tuple[list, list[float]]:
    """Every post area with its municipality, weighted like the sample data."""
    areas, weights = [], []
    for m in sample.MUNICIPALITIES:
        total = sum(a.weight for a in m.areas)
        for a in m.areas:
            areas.append((m, a))
            weights.append(m.n_orders * a.weight / total)
    return areas, weights


def order_no(serial: int) -> str:
    return f"AMS-2026-{serial:07d}"


def order_rows(
    count: int,
    first: int = 1,
    seed: int = SEED,
    empty_address_share: float = SHARE_EMPTY_ADDRESS,
) -> Iterator[list[str]]:
    """`count` orders numbered from `first`, in export order (stage by stage, as in sample)."""
    rng = random.Random(f"orders:{seed}:{first}:{count}")
    areas, weights = _area_table()
    cumulative = []
    running = 0.0
    for w in weights:
        running += w
        cumulative.append(running)
    salt = seed % 1000
    for serial in range(first, first + count):
        m, area = rng.choices(areas, cum_weights=cumulative)[0]
        street = rng.choice(area.streets)
        number = sample.house_number(rng)
        lat = area.lat + rng.uniform(-area.spread, area.spread)
        lon = area.lon + rng.uniform(-2 * area.spread, 2 * area.spread)
        body = "707057500" + f"{_permute(serial, 10**8, salt):08d}"
        mpid = body + sample.gsrn_check_digit(body)
        meter = str(10**7 + _permute(serial, 9 * 10**7, salt + 1))
        r = rng.random()
        if r < SHARE_COMPANY:
            name = rng.choice(sample.COMPANIES)
        else:
            name = sample.person_name(rng)
        r = rng.random()
        if r < SHARE_EMPTY_PHONE:
            phone = ""
        elif r < SHARE_EMPTY_PHONE + SHARE_LANDLINE:
            phone = sample.landline(rng)
        else:
            digits = "49"[serial % 2] + f"{_permute(serial // 2, 10**7, salt + 2):07d}"
            phone = sample.format_mobile(rng, digits)
        important = rng.random() < SHARE_IMPORTANT
        difficult = rng.random() < SHARE_DIFFICULT
        if important:
            description = rng.choice(sample.IMPORTANT_DESCRIPTIONS)
        elif difficult and rng.random() < 0.8:
            description = rng.choice(sample.DIFFICULT_DESCRIPTIONS)
        elif rng.random() < 0.22:
            description = rng.choice(sample.DESCRIPTIONS)
        else:
            description = ""
        coords = rng.random() >= SHARE_NO_COORDS
        address = rng.random() >= empty_address_share
        yield [
            order_no(serial),
            mpid,
            meter,
            name,
            f"{street} {number}" if address else "",
            area.postnr,
            area.poststed,
            m.kommunenr,
            phone,
            m.etappe,
            sample.coord(lat) if coords else "",
            sample.coord(lon) if coords else "",
            description,
            "Ja" if important else "",
            "Ja" if difficult else "",
        ]


@dataclass(frozen=True)
class Technician:
    id: str
    name: str
    phone: str
    start: str
    end: str


# Working days of eight hours, as in sample_data/technicians.csv.
_HOURS = (("07:30", "15:30"),) * 6 + (("07:00", "15:00"), ("08:00", "16:00"))


def technicians(count: int, seed: int = SEED, prefix: str = "T") -> list[Technician]:
    rng = random.Random(f"techs:{seed}:{prefix}")
    width = max(3, len(str(count)))
    out = []
    for i in range(1, count + 1):
        digits = rng.choice("49") + "".join(str(rng.randrange(10)) for _ in range(7))
        start, end = rng.choice(_HOURS)
        out.append(
            Technician(
                f"{prefix}{i:0{width}d}",
                sample.person_name(rng),
                f"{digits[:3]} {digits[3:5]} {digits[5:]}",
                start,
                end,
            )
        )
    return out


def working_days(first: date, count: int, country: str = "NO") -> list[date]:
    """`count` days from `first` on that amsplan plans without --allow-weekend or
    --allow-holiday: Monday to Friday (a technician's default working days), not public
    holidays."""
    from amsplan.domain.holidays import public_holiday

    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5 and not public_holiday(country, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _write(path: Path, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """';' delimiter, UTF-8 with BOM, CRLF: what the customer system (and Excel) write."""
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def write_orders(path: Path, count: int, first: int = 1, seed: int = SEED, **kw) -> int:
    return _write(path, ORDER_HEADERS, order_rows(count, first, seed, **kw))


def write_techs(path: Path, techs: Sequence[Technician]) -> int:
    return _write(
        path, TECHNICIAN_HEADERS, ([t.id, t.name, t.phone, t.start, t.end] for t in techs)
    )


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Target:
    """An order a customer may answer: its live code, mobile and when it was booked (local)."""

    order_no: str
    code: str  # canonical, e.g. "ACDE7FHA"
    mobile: str | None  # E.164, e.g. "+4791234567"
    booked_at: datetime  # naive local time
    awaiting: bool  # awaiting_response (else e.g. ready_to_print: a reply comes too early)


_LOOKALIKE = {"A": "\u0410", "E": "\u0415", "K": "\u041a", "M": "\u041c", "T": "\u0422"}
_OTHER_TEXT = (
    "Ok!!",
    "Det passer fint",
    "Ja takk",
    "Passer bra 👍",
    "Det er greit",
    "ok, men ring før dere kommer",
)
_NOT_SUITABLE = (
    "Det passer ikke, jeg er på hytta den uka",
    "Kan dere komme etter kl 12?",
    "Jobber den dagen, kan vi ta en annen dag?",
    "Vi er på ferie, ring meg",
)
_NO_CODE = (
    "Hei, hva gjelder dette?",
    "OK",
    "Hvem er dette?",
    "Stopp",
    "Jeg har allerede fått ny måler",
)


def _sender_text(rng: random.Random, mobile: str | None) -> str:
    """The sender as the provider writes it (several styles)."""
    if not mobile:
        return "+47 " + rng.choice("49") + "".join(str(rng.randrange(10)) for _ in range(7))
    digits = mobile.removeprefix("+47")
    style = rng.random()
    if style < 0.6:
        return mobile
    if style < 0.8:
        return "47" + digits
    return digits


def _ok_text(rng: random.Random, code: str, pretty: str) -> str:
    r = rng.random()
    if r < 0.55:
        return f"{pretty} OK"
    if r < 0.7:
        return f"{code.lower()} ok"
    if r < 0.8:
        return f"ok {pretty}"
    if r < 0.9:
        return f"{code[:4]} {code[4:]} Ok"
    if r < 0.97:
        return f"{pretty.lower()}  OK "
    return "".join(_LOOKALIKE.get(ch, ch) for ch in pretty) + " OK"  # Cyrillic look-alikes


def reply_rows(
    targets: Sequence[Target],
    count: int,
    now: datetime,
    seed: int = SEED,
) -> list[list[str]]:
    """`count` reply lines, sorted by received time, with a realistic mix of outcomes.

    Per awaiting order: 10 % never answer (booking reminder later); of the answers about
    72 % confirm (code + OK in several spellings, a few with Cyrillic look-alikes), 8 %
    KONTAKT, 7 % other text ("Ok!!"), 6 % not suitable, 4 % a mistyped code, 3 % no code
    at all (matched by phone, when the sender has one waiting order). Then 4 % of the
    answers are followed by a second message (late reply or not awaiting), 2 % are
    delivered twice by the provider (same message id), and the rest of `count` is noise:
    codes never issued, texts without a code from unknown numbers, early replies to orders
    not yet waiting. Times are local (Europe/Oslo), after the booking, before `now`.
    """
    from amsplan.domain import codes

    rng = random.Random(f"replies:{seed}:{count}")
    lines: list[tuple[datetime, str, str]] = []  # (received, sender, text)
    latest = now - timedelta(minutes=5)

    def when(after: datetime) -> datetime:
        moment = after + timedelta(minutes=rng.randrange(20, 60 * 60))
        return min(moment, latest - timedelta(minutes=rng.randrange(0, 600)))

    def add(at: datetime, sender: str, text: str) -> None:
        lines.append((at, sender, text))

    budget = int(count * 0.93)
    pool = list(targets)
    rng.shuffle(pool)
    for t in pool:
        if len(lines) >= budget:
            break
        pretty = codes.format_code(t.code)
        sender = _sender_text(rng, t.mobile)
        if not t.awaiting:
            add(when(t.booked_at), sender, f"{pretty} OK")  # answers a letter not sent yet
            continue
        if rng.random() < 0.10:
            continue  # no answer: a booking reminder later
        at = when(t.booked_at)
        r = rng.random()
        if r < 0.72:
            text = _ok_text(rng, t.code, pretty)
        elif r < 0.80:
            text = f"{pretty} KONTAKT"
        elif r < 0.87:
            text = f"{pretty} {rng.choice(_OTHER_TEXT)}"
        elif r < 0.93:
            text = f"{pretty} {rng.choice(_NOT_SUITABLE)}"
        elif r < 0.97:
            i = rng.randrange(8)
            wrong = rng.choice([s for s in codes.ALPHABET if s != t.code[i]])
            text = f"{codes.format_code(t.code[:i] + wrong + t.code[i + 1 :])} OK"
        else:
            text = rng.choice(_NO_CODE)
        add(at, sender, text)
        if rng.random() < 0.04:
            add(at + timedelta(minutes=rng.randrange(5, 600)), sender, f"{pretty} KONTAKT")
    while len(lines) < count:
        r = rng.random()
        at = now - timedelta(minutes=rng.randrange(10, 3 * 24 * 60))
        if r < 0.5:
            text = f"{codes.format_code(codes.generate(rng.randrange))} OK"
        else:
            text = rng.choice(_NO_CODE)
        add(at, _sender_text(rng, None), text)
    lines = lines[:count]
    lines.sort(key=lambda x: x[0])
    rows = [
        [at.strftime("%Y-%m-%d %H:%M"), sender, text, f"msg-{seed}-{i:07d}"]
        for i, (at, sender, text) in enumerate(lines)
    ]
    # The provider delivers some messages twice: the same id again, later in the file.
    for _ in range(int(len(rows) * 0.02)):
        rows.insert(rng.randrange(len(rows)), list(rows[rng.randrange(len(rows))]))
    return rows[:count]


def write_replies(path: Path, rows: Sequence[Sequence[str]]) -> int:
    return _write(path, REPLY_HEADERS, rows)


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("orders", help="orders CSV (Norwegian headers, ';', UTF-8 with BOM)")
    p.add_argument("count", type=int)
    p.add_argument("out", type=Path)
    p.add_argument("--first", type=int, default=1, help="serial number of the first order")
    p.add_argument(
        "--empty-address-share",
        type=float,
        default=SHARE_EMPTY_ADDRESS,
        help="share of orders without street (refused by lock); default as sample_data",
    )
    p.add_argument("--seed", type=int, default=SEED)
    p = sub.add_parser("techs", help="technicians CSV")
    p.add_argument("count", type=int)
    p.add_argument("out", type=Path)
    p.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.what == "orders":
        n = write_orders(
            args.out,
            args.count,
            args.first,
            args.seed,
            empty_address_share=args.empty_address_share,
        )
    else:
        n = write_techs(args.out, technicians(args.count, args.seed))
    print(f"wrote {n} {args.what} to {args.out}")


if __name__ == "__main__":
    main()
