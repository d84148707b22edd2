#!/usr/bin/env python3
"""The booking letter drawn by hand with reportlab: the second letters baseline (issue 17).

What a competent user would write for speed instead of laying out HTML: the page of
amsplan's ``templates/letters/booking.html`` + ``booking.css`` (the SMS variant, as the
bench's orders have no e-mail booking) drawn straight onto a reportlab canvas, at the
positions the stylesheet gives (A4, margins 15/20/16/20 mm, the recipient block in the
envelope window, the same sizes, colours and spacing), with the DejaVu fonts the letter
uses (found with ``fc-match``), embedded and subset per file by reportlab's ``TTFont``.
What is the same for every letter of a company (the letterhead, the paragraphs, the
labels: their line breaks and positions) is worked out once per process; each letter then
draws those runs plus its own fields. Line breaking is greedy at spaces with reportlab's
font widths (no kerning, as reportlab draws it). A field too long for its place is not
moved down the page (the layout is fixed): such letters are counted ("not_fitting"); the
bench's data (``bench/gen.py``) always fits.

Same data as ``bench/naive_letters.py`` (its ``load``: the bench folder's database and
amsplan.toml, read only), same file names, one PDF file per letter. The letters are cut
into chunks of 50 and spread over a process pool of the usable CPUs (``--processes``).
Durability as amsplan's letters after issue 17: a worker writes the files of a chunk
(0600), then fsyncs each of them and the folder once, at the end of the chunk.

    python bench/reportlab_letters.py BENCH_FOLDER OUT_FOLDER [--limit N] [--processes N]

Prints a JSON summary (letters, seconds, letters_per_second, processes, not_fitting,
rl_accel). Needs reportlab with its C accelerator (``pip install -e '.[bench]'``: the extra
``reportlab[accel]``, which ``make bench`` installs; without it reportlab is about twice as
slow); amsplan never imports it.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

sys.path.insert(0, str(Path(__file__).resolve().parent))

from naive_letters import load  # noqa: E402  (bench/naive_letters.py: the same data)

CHUNK = 50  # letters per task, and per fsync round (as amsplan's letters)
rl_config.useA85 = 0  # binary streams: ASCII85 only makes the files a quarter larger

# -- fonts: those the letter's generic families resolve to ------------------------------

SANS, BOLD, MONO = "sans", "sans-bold", "mono-bold"
_PATTERNS = {SANS: "sans-serif", BOLD: "sans-serif:bold", MONO: "monospace:bold"}
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FALLBACK = {
    SANS: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono-Bold.ttf",
}
# Line boxes as WeasyPrint (Pango) makes them: the fonts' hhea ascender and descender
# (DejaVu: 1901 and 483 of 2048 units), not the OS/2 figures reportlab reports.
ASCENT, DESCENT = 1901 / 2048, 483 / 2048


def font_file(name: str) -> str:
    """The TrueType file `fc-match` gives for the letter's font, else Debian's DejaVu."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", _PATTERNS[name]],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    return found if found.endswith(".ttf") else str(_DEJAVU / _FALLBACK[name])


def register_fonts() -> None:
    for name in _PATTERNS:
        pdfmetrics.registerFont(TTFont(name, font_file(name)))


# -- the page, from booking.css ---------------------------------------------------------

PAGE_W, PAGE_H = A4
LEFT, TOP = 20 * mm, PAGE_H - 15 * mm
WIDTH = PAGE_W - 40 * mm  # 170 mm
BLUE, INK, GREY4, GREY5, GREY6 = (
    HexColor(c) for c in ("#1f5c99", "#111111", "#444444", "#555555", "#666666")
)
TINT = HexColor("#eef3f9")
LH = 1.35  # line-height of the letter
BODY = 9.5  # font size of the letter (pt)


def baseline(top: float, size: float, line_height: float = LH) -> float:
    """The baseline of a line box of `size` whose top is at `top` (half-leading above)."""
    return top - (line_height - ASCENT - DESCENT) * size / 2 - ASCENT * size


def wrap(parts: list[tuple[str, str]], size: float, width: float) -> list[list[tuple]]:
    """Greedy line breaking at spaces of text in several fonts: [(text, font), ...] ->
    lines of runs (x, font, text), adjacent words in the same font merged."""
    lines: list[list[tuple]] = [[]]
    x, space, end_font = 0.0, 0.0, None
    for text, font in parts:
        for token in re.findall(r"\S+|\s+", text):
            if token.isspace():
                space = pdfmetrics.stringWidth(" ", font, size) if lines[-1] else 0.0
                continue
            w = pdfmetrics.stringWidth(token, font, size)
            if lines[-1] and x + space + w > width:
                lines.append([])
                x, space = 0.0, 0.0
            line = lines[-1]
            if line and font == end_font and space:
                bx, bf, bt = line[-1]
                line[-1] = (bx, bf, f"{bt} {token}")
            else:
                line.append((x + space, font, token))
            x += space + w
            space, end_font = 0.0, font
    return lines


@functools.lru_cache(maxsize=16)
def static_page(
    company_name: str,
    company_address: str,
    company_phone: str,
    reply_number: str,
    keyword_ok: str,
    keyword_contact: str,
    letter_date_text: str,
) -> tuple[list[tuple], dict[str, tuple]]:
    """What every letter of a company shows, as runs (font, size, colour, x, y, text,
    char space), and where each letter's own fields go: {field: (x, y, ...)}."""
    runs: list[tuple] = []
    at: dict[str, tuple] = {}

    def block(parts, size, colour, x, top, width, line_height=LH) -> float:
        """Wrapped lines from `top`; returns the bottom of the block."""
        pitch, lines = size * line_height, wrap(parts, size, width)
        for i, line in enumerate(lines):
            y = baseline(top - i * pitch, size, line_height)
            runs.extend((font, size, colour, x + dx, y, text, 0) for dx, font, text in line)
        return top - pitch * len(lines)

    # Letterhead: 30 mm from the top margin, a 0.6 pt rule at its foot.
    block([(company_name, BOLD)], 16, BLUE, LEFT, TOP, WIDTH)
    contact = " · ".join(
        t for t in (company_address, company_phone and f"Telefon {company_phone}") if t
    )
    if contact:
        block([(contact, SANS)], 8.5, GREY4, LEFT, TOP - 16 * LH - 1.5 * mm, WIDTH)
    head_bottom = TOP - 30 * mm
    # Window: the return address and the recipient (3 mm padding, 85 mm wide).
    top = head_bottom - 3 * mm
    ret = company_name + (f", {company_address}" if company_address else "")
    top = block([(ret, SANS)], 7, GREY5, LEFT, top, 85 * mm) - 2.5 * mm
    at["recipient"] = (LEFT, top, 85 * mm)
    # Dato / Ordrenr. (62 mm wide at the right, 3 mm down, labels 20 mm + 4 mm padding).
    meta_x, pitch = LEFT + WIDTH - 62 * mm, 9 * LH + 0.8 * mm
    top = head_bottom - 3 * mm
    block([("Dato", SANS)], 9, GREY5, meta_x, top, 20 * mm)
    block([(letter_date_text, SANS)], 9, INK, meta_x + 24 * mm, top, 38 * mm)
    block([("Ordrenr.", SANS)], 9, GREY5, meta_x, top - pitch, 20 * mm)
    at["order-no"] = (meta_x + 24 * mm, baseline(top - pitch, 9))
    # The body, 4 mm below the 45 mm address row.
    top = head_bottom - 45 * mm - 4 * mm
    top = block([("Vi skal bytte strømmåleren din", BOLD)], 15, BLUE, LEFT, top, WIDTH) - 3 * mm
    intro = (
        "Alle strømkunder i Norge får nye, automatiske strømmålere (AMS), og nå er det din "
        "tur. Den nye måleren sender måleverdiene automatisk, så du slipper å lese av selv. "
        "Byttet koster deg ingenting. Vi har satt av denne tiden til å bytte måleren hos deg:"
    )
    top = block([(intro, SANS)], BODY, INK, LEFT, top, WIDTH) - 2.5 * mm
    # The appointment: 1.2 mm bar, tinted, 3 mm / 4 mm padding; its time, then the facts.
    box_top = top
    x = LEFT + 1.2 * mm + 4 * mm
    inner = WIDTH - 1.2 * mm - 8 * mm
    top = box_top - 3 * mm
    at["appointment"] = (x, baseline(top, 12.5), inner)
    top -= 12.5 * LH + 2 * mm
    label1, label2 = 17 * mm, 28 * mm
    col = (inner - label1 - label2) / 2
    x2 = x + label1 + col
    row_pitch = BODY * LH + 0.6 * mm
    block([("Montør", SANS)], BODY, GREY4, x, top, label1)
    block([("Målepunkt-ID", SANS)], BODY, GREY4, x2, top, label2)
    at["technician"] = (x + label1, baseline(top, BODY), col - 5 * mm)
    at["meter-point"] = (x2 + label2, baseline(top, BODY), col - 5 * mm)
    top -= row_pitch
    block([("Adresse", SANS)], BODY, GREY4, x, top, label1)
    block([("Målernummer", SANS)], BODY, GREY4, x2, top, label2)
    at["address"] = (x + label1, baseline(top, BODY), col - 5 * mm)
    at["meter-number"] = (x2 + label2, baseline(top, BODY), col - 5 * mm)
    top -= 2 * BODY * LH + 0.6 * mm + 3 * mm  # the address: two lines
    at["appointment-box"] = (LEFT, top, WIDTH, box_top - top)
    # "Svar oss på SMS", the code box (56 mm, 0.8 mm border, 2 mm radius), the reply.
    top -= 5 * mm  # the heading's 5 mm margin swallows the box's 3 mm
    top = block([("Svar oss på SMS", BOLD)], 11, BLUE, LEFT, top, WIDTH) - 2 * mm
    reply_top = top
    box_w, border = 56 * mm, 0.8 * mm
    centre = LEFT + box_w / 2
    top -= border + 2.5 * mm
    label = "Din bookingkode"
    runs.append(
        (SANS, 8, GREY4, centre - pdfmetrics.stringWidth(label, SANS, 8) / 2,
         baseline(top, 8), label, 0)
    )  # fmt: skip
    top -= 8 * LH + 1 * mm
    at["code"] = (centre, baseline(top, 20))
    top -= 27 + 1 * mm
    hint = "Ta med koden når du svarer."
    runs.append(
        (SANS, 8, GREY4, centre - pdfmetrics.stringWidth(hint, SANS, 8) / 2,
         baseline(top, 8), hint, 0)
    )  # fmt: skip
    box_bottom = top - 8 * LH - 2.5 * mm - border
    at["code-box"] = (LEFT, box_bottom, box_w, reply_top - box_bottom, border)
    rx, rw = LEFT + 62 * mm, WIDTH - 62 * mm
    top = block(
        [
            ("Passer tidspunktet?", BOLD),
            (" Send SMS til ", SANS),
            (reply_number, BOLD),
            (" med teksten:", SANS),
        ],
        BODY,
        INK,
        rx,
        reply_top,
        rw,
    )
    at["sms-ok"] = (rx, baseline(top, 11))
    top -= 11 * LH + 2 * mm
    top = block(
        [
            ("Passer det ikke, eller vil du snakke med oss?", BOLD),
            (" Send SMS til ", SANS),
            (reply_number, BOLD),
            (" med teksten:", SANS),
        ],
        BODY,
        INK,
        rx,
        top,
        rw,
    )
    at["sms-contact"] = (rx, baseline(top, 11))
    top -= 11 * LH
    top = block(
        [("så ringer vi deg og finner et tidspunkt som passer bedre.", SANS)],
        BODY,
        INK,
        rx,
        top,
        rw,
    )
    top = min(top - 2 * mm, box_bottom) - 2 * mm
    after = (
        "Avtalen er ikke endelig før du har bekreftet den. Hører vi ikke fra deg, tar vi "
        "kontakt med deg på SMS eller telefon for å avtale et tidspunkt. Du betaler vanlig "
        "SMS-takst for svaret."
    )
    top = block([(after, SANS)], BODY, INK, LEFT, top, WIDTH) - 5 * mm
    top = block([("Slik forbereder du deg", BOLD)], 11, BLUE, LEFT, top, WIDTH) - 2 * mm
    bullets = (
        "Montøren må komme til strømmåleren og sikringsskapet. Sørg for fri tilgang, og at "
        "noen over 18 år er hjemme, eller avtal med oss hvordan montøren kommer inn.",
        "Strømmen blir borte i 15 til 30 minutter mens måleren byttes. Slå gjerne av PC-er "
        "og annet følsomt utstyr før montøren kommer.",
        f"Montøren bærer synlig legitimasjon fra {company_name}. Spør gjerne om å se den.",
    )
    marker = "• "
    marker_x = LEFT + 5 * mm - pdfmetrics.stringWidth(marker, SANS, BODY)
    for i, text in enumerate(bullets):
        runs.append((SANS, BODY, INK, marker_x, baseline(top, BODY), marker, 0))
        top = block([(text, SANS)], BODY, INK, LEFT + 5 * mm, top, WIDTH - 5 * mm)
        top -= 2.5 * mm if i == len(bullets) - 1 else 1 * mm
    # The last paragraph ends with the order number in a 45 mm box that never breaks.
    phone = f" på telefon {company_phone}" if company_phone else ""
    ask = f"Har du spørsmål, svarer vi gjerne{phone}. Når du kontakter oss, oppgi ordrenummer"
    lines = wrap([(ask, SANS)], BODY, WIDTH)
    pitch = BODY * LH
    for i, line in enumerate(lines):
        y = baseline(top - i * pitch, BODY)
        runs.extend((f, BODY, INK, LEFT + dx, y, t, 0) for dx, f, t in line)
    dx, f, t = lines[-1][-1]
    end = dx + pdfmetrics.stringWidth(t + " ", SANS, BODY)
    if end + 45 * mm > WIDTH:  # the box goes to a line of its own
        lines.append([])
        end = 0.0
    at["order-no-text"] = (LEFT + end, baseline(top - (len(lines) - 1) * pitch, BODY))
    top -= len(lines) * pitch
    top -= 4 * mm  # the closing's 4 mm margin swallows the paragraph's 2.5 mm
    top = block([("Med vennlig hilsen", SANS)], BODY, INK, LEFT, top, WIDTH) - 2.5 * mm
    block([(company_name, BOLD)], BODY, INK, LEFT, top, WIDTH)
    # The footer, in the middle of the 16 mm bottom margin.
    at["footer"] = (LEFT, baseline(16 * mm / 2 + 7.5 * LH / 2, 7.5))
    at["rule"] = (LEFT, head_bottom, WIDTH, 0.6)
    return runs, at


def draw(c: canvas.Canvas, letter: dict) -> bool:
    """One letter on the canvas `c`: the company's page and this letter's fields. False
    if a field did not fit its place (cut to the lines it has, or running over)."""
    runs, at = static_page(
        letter["company_name"],
        letter["company_address"],
        letter["company_phone"],
        letter["reply_number"],
        letter["keyword_ok"],
        letter["keyword_contact"],
        letter["letter_date_text"],
    )
    # Shapes first (the tinted box lies under its text).
    c.setFillColor(BLUE)
    c.rect(*at["rule"], stroke=0, fill=1)
    x, y, w, h = at["appointment-box"]
    c.setFillColor(TINT)
    c.rect(x, y, w, h, stroke=0, fill=1)
    c.setFillColor(BLUE)
    c.rect(x, y, 1.2 * mm, h, stroke=0, fill=1)
    x, y, w, h, border = at["code-box"]
    c.setStrokeColor(INK)
    c.setLineWidth(border)
    c.roundRect(x + border / 2, y + border / 2, w - border, h - border, 2 * mm - border / 2)

    own: list[tuple] = []
    rx, top, rw = at["recipient"]
    lines = [letter["customer_name"], letter["street"], f"{letter['postcode']} {letter['city']}"]
    wrapped = [line for text in lines for line in wrap([(text, SANS)], 11, rw)]
    fits = len(wrapped) <= 7
    for i, line in enumerate(wrapped[:7]):
        y = baseline(top - i * 11 * 1.3, 11, 1.3)
        own.extend((f, 11, INK, rx + dx, y, t, 0) for dx, f, t in line)
    x, y = at["order-no"]
    own.append((SANS, 9, INK, x, y, letter["order_no"], 0))
    x, y, w = at["appointment"]
    own.append((BOLD, 12.5, INK, x, y, letter["appointment"], 0))
    fits &= pdfmetrics.stringWidth(letter["appointment"], BOLD, 12.5) <= w
    for field, key in (
        ("technician_name", "technician"),
        ("meter_point_id", "meter-point"),
        ("meter_number", "meter-number"),
    ):
        x, y, w = at[key]
        own.append((SANS, BODY, INK, x, y, letter[field] or "–", 0))
        fits &= pdfmetrics.stringWidth(letter[field] or "–", SANS, BODY) <= w
    x, y, w = at["address"]
    address = f"{letter['street']}, {letter['postcode']} {letter['city']}"
    wrapped = wrap([(address, SANS)], BODY, w)
    fits &= len(wrapped) <= 2
    for i, line in enumerate(wrapped[:2]):
        own.extend((f, BODY, INK, x + dx, y - i * BODY * LH, t, 0) for dx, f, t in line)
    code, space = letter["booking_code"], 0.5 * mm
    centre, y = at["code"]
    width = pdfmetrics.stringWidth(code, MONO, 20) + space * len(code)
    own.append((MONO, 20, INK, centre - width / 2, y, code, space))
    x, y = at["sms-ok"]
    own.append((MONO, 11, INK, x, y, f"{code} {letter['keyword_ok']}", 0))
    x, y = at["sms-contact"]
    own.append((MONO, 11, INK, x, y, f"{code} {letter['keyword_contact']}", 0))
    x, y = at["order-no-text"]
    own.append((SANS, BODY, INK, x, y, f"{letter['order_no']}.", 0))
    x, y = at["footer"]
    footer = f"{letter['company_name']} · Ordrenr. {letter['order_no']}"
    own.append((SANS, 7.5, GREY6, x, y, footer, 0))

    text = c.beginText()
    font = colour = spacing = None
    for f, size, col, x, y, t, space in (*runs, *own):
        if (f, size) != font:
            text.setFont(f, size)
            font = (f, size)
        if col is not colour:
            text.setFillColor(col)
            colour = col
        if space != spacing:
            text.setCharSpace(space)
            spacing = space
        text.setTextOrigin(x, y)
        text.textOut(t)
    c.drawText(text)
    return fits


def pdf_bytes(letter: dict) -> tuple[bytes, bool]:
    """The letter's PDF, and whether every field fitted its place."""
    out = BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(f"Bookingbrev {letter['order_no']}")
    fits = draw(c, letter)
    c.showPage()
    c.save()
    return out.getvalue(), fits


def write_chunk(job: tuple[Path, list[dict]]) -> tuple[int, int]:
    """Render and write a chunk of letters; fsync its files, then the folder, once.
    Returns (letters written, letters with a field that did not fit)."""
    folder, letters = job
    fds, misfits = [], 0
    try:
        for letter in letters:
            fd = os.open(folder / letter["file_name"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            fds.append(fd)
            pdf, fits = pdf_bytes(letter)
            misfits += not fits
            data = memoryview(pdf)
            while data:
                data = data[os.write(fd, data) :]
        for fd in fds:
            os.fsync(fd)
    finally:
        for fd in fds:
            os.close(fd)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return len(letters), misfits


def usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="bench folder with amsplan.toml")
    parser.add_argument("out", type=Path, help="where to write the PDFs")
    parser.add_argument("--limit", type=int, default=None, help="only the first N letters")
    parser.add_argument(
        "--processes", type=int, default=usable_cpus(), help="worker processes (default: CPUs)"
    )
    args = parser.parse_args()

    from amsplan.adapters.letters.dates import appointment_text, long_date

    started = time.perf_counter()
    letters, opts = load(args.folder, args.limit)
    locale = opts["locale"]
    for letter in letters:
        letter["appointment"] = appointment_text(letter["start"], letter["end"], locale)
        letter["letter_date_text"] = long_date(letter["letter_date"], locale)
    register_fonts()  # before the workers fork: they inherit the parsed fonts
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(args.out, letters[i : i + CHUNK]) for i in range(0, len(letters), CHUNK)]
    if args.processes > 1 and len(jobs) > 1:
        with multiprocessing.get_context("fork").Pool(args.processes) as pool:
            done = list(pool.imap_unordered(write_chunk, jobs))
    else:
        done = list(map(write_chunk, jobs))
    written, misfits = (sum(column) for column in zip(*done, strict=True)) if done else (0, 0)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "letters": written,
                "seconds": round(seconds, 3),
                "letters_per_second": round(written / seconds, 2) if seconds else None,
                "processes": args.processes,
                "not_fitting": misfits,
                "rl_accel": importlib.util.find_spec("_rl_accel") is not None,
                "fsync": f"per chunk of {CHUNK}: each file, then the folder",
            }
        )
    )


if __name__ == "__main__":
    main()
