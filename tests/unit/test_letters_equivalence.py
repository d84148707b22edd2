"""The fast letters print the same letter as the full WeasyPrint layout (issue 17, point 2).

Every letter below is rendered twice: by ``LetterRenderer(processes=1)`` (the fast way:
the background laid out once, each customer's slots written over it, or whatever the
renderer decides to do with a letter) and by ``LetterRenderer(processes=1, fast=False)``
(every letter laid out whole by WeasyPrint: the reference). Both must be one page of the
same size, page 1 rasterised must be the same within the tolerance of tests/pdfcompare.py
(defined and justified there), and PDFium must read the same words at the same places;
pypdf must read the same words too, where it reads the reference as PDFium does.

The tests hold for any correct renderer: they look at the PDFs only, and at the counts in
``renderer.stats``: for ordinary letters (æøå, Sámi letters, other company settings
included) every letter must go the direct way (its slots written straight into the PDF);
every other letter must be counted in ``stats.fallbacks`` by the reason it went another
way; letters that do not fit their slots or hold a character the font lacks must.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from amsplan.adapters.letters.render import LetterData, LetterRenderer, RenderStats
from tests import pdfcompare


def _letter(**overrides: Any) -> LetterData:
    values: dict[str, Any] = dict(
        order_no="AMS-2026-000116",
        customer_name="Berit Nordby",
        street="Aslak Bolts gate 2",
        postcode="2315",
        city="HAMAR",
        meter_point_id="707057500271927243",
        meter_number="39896867",
        start=datetime(2026, 4, 21, 8, 0),
        end=datetime(2026, 4, 21, 9, 0),
        technician_name="Bjørn Ødegård",
        booking_code="ACDE-FH34",
        company_name="Hamar Nett AS",
        reply_number="2222",
        keyword_ok="OK",
        keyword_contact="KONTAKT",
        letter_date=date(2026, 4, 1),
        company_address="Postboks 100, 2301 Hamar",
        company_phone="62 50 00 00",
    )
    values.update(overrides)
    return LetterData(**values)


def _customers(rows: list[tuple[str, str, str, str]], **common: Any) -> list[LetterData]:
    """Letters for (name, street, postcode, city) rows, each with its own order fields."""
    codes = ["CDEF-HJ34", "KMNP-RT67", "UVWX-Y349", "ACTU-NP76", "FHJK-MX93", "DEXY-CA47"]
    return [
        _letter(
            order_no=f"AMS-2026-{117 + i:06d}",
            customer_name=name,
            street=street,
            postcode=postcode,
            city=city,
            meter_point_id=f"7070575002{i:08d}",
            meter_number=f"{50819507 + 7919 * i}",
            start=datetime(2026, 4, 21 + i % 3, 7 + i, 30),
            end=datetime(2026, 4, 21 + i % 3, 8 + i, 15 * (i % 4)),
            booking_code=codes[i % len(codes)],
            **common,
        )
        for i, (name, street, postcode, city) in enumerate(rows)
    ]


SETS: dict[str, list[LetterData]] = {
    # From sample_data/: printed letters and letters attached to a booking e-mail, one
    # without a technician ("–").
    "ordinary": [
        _letter(),
        *_customers(
            [
                ("Håkon Pedersen", "Aslak Bolts gate 74", "2315", "HAMAR"),
                ("Tor Grønlund", "Kirkegata 28", "2316", "HAMAR"),
                ("Trine Sæther", "Lirabakken 26", "2317", "HAMAR"),
            ]
        ),
        _letter(order_no="AMS-2026-000130", technician_name=""),
        *_customers(
            [
                ("Jørgen Andersen", "Bjørkeveien 19", "2315", "HAMAR"),
                ("Anne Olsen", "Bjørkeveien 54", "2315", "HAMAR"),
                ("Elisabeth Fossum", "Hjellumvegen 135", "2317", "HAMAR"),
            ],
            by_email=True,
        ),
    ],
    # æøå ÆØÅ in every field that holds them.
    "norwegian": _customers(
        [
            ("Æsa Øvrebø-Ålgård", "Øvre Ærøveien 5", "4330", "ÅLGÅRD"),
            ("Bjørg Kjærstad Åsheim", "Sjøgata 12", "8900", "BRØNNØYSUND"),
            ("ÅSE LØKKEN", "Æsøyvegen 3", "6887", "LÆRDAL"),
            ("Ståle Myrvang", "Øraveien 9", "1630", "GAMLE FREDRIKSTAD"),
        ]
    ),
    # Northern Sámi: ŋ Ŋ č Č đ Đ š Š ž ŧ Ŧ á Á.
    "sami": _customers(
        [
            ("Ánte Ŋuolggaš", "Čáhcegeaidnu 5", "9520", "GUOVDAGEAIDNU"),
            ("Máret Đuolddaš", "Šuoššjávregeaidnu 2", "9730", "KÁRÁŠJOHKA"),
            ("ŊUOLGGA ČÁHPPES", "Žiŋŋágeaidnu 11", "9840", "UNJÁRGA"),
            ("Biret Ánne Ŧorhtte", "Đáđđageaidnu 7", "9845", "DEATNU"),
        ],
        technician_name="Ásllat Sárá",
    ),
    # Four company settings (each a background of its own), two letters each.
    "companies": [
        *_customers([("Kari Nordmann", "Storgata 1", "0155", "OSLO")] * 2),
        *_customers(
            [("Per Hansen", "Kongens gate 12B", "7011", "TRONDHEIM")] * 2, company_address=""
        ),
        *_customers([("Gunvor Sørlie", "Børstadvegen 86", "2321", "HAMAR")] * 2, company_phone=""),
        *_customers(
            [("Ola Åsheim", "Nedre Storgate 128", "2211", "KONGSVINGER")] * 2,
            company_name="Lensmannsvika Kraftlag SA",
            company_address="",
            company_phone="",
            reply_number="26112",
            keyword_ok="JA",
            keyword_contact="RING",
            letter_date=date(2026, 5, 4),
        ),
    ],
    # Long Norwegian names and addresses: the first two wrap inside their slots; the
    # others do not fit (MUST_FALL_BACK) and are laid out whole, slots growing.
    "long": [
        *_customers(
            [
                (
                    "Kristine Margrethe Andersen-Bjørnstad og Hans Petter Kristiansen-Aamodt",
                    "Øvre Slottsgate 128B",
                    "2211",
                    "KONGSVINGER",
                ),
                ("Dødsbo v/ Sigrid Torunn Haugen", "Ole Gabriel Uelands vei 44", "3030", "DRAMMEN"),
            ]
        ),
        _letter(
            order_no="AMS-2026-000140",
            street="Kong Christian Frederiks gate 128, inngang fra bakgården",
            city="KRISTIANSAND S",
        ),
        _letter(order_no="AMS-2026-000141", technician_name="Per-Øyvind Bjørnstad-Kristiansen"),
        _letter(order_no="AMS-2026-000142", end=datetime(2026, 4, 22, 2, 0)),  # over midnight
    ],
    # Printed literally, as the full layout prints them.
    "hostile": _customers(
        [
            # markup, an entity, Jinja
            ('<script>alert("x")</script> & Sønn', "Gata 1 &amp; 2 {{ x }}", "0155", "<b>OSLO</b>"),
            ('Ola "Olsen" O\'Hara «Sjøbua»', "'Kaia' 3", "5003", "BERGEN"),  # quotes
            # one word longer than a line: broken anywhere (overflow-wrap)
            ("Jernbanestasjonsrestaurantdriftsselskapsaksjonærene", "Storgata 1", "9990", "X"),
            # zero width space, joiner, no-break space and word joiner; a soft hyphen
            ("Ka\u200bri Nord\u200dmann\ufeff", "Stor\u00adgata\u2060 1", "0155", "OSLO"),
            # bidi controls: right-to-left override (prints "nnamdroN"), isolate, mark
            ("Kari \u202eNordmann\u202c", "\u2067Storgata\u2069 1", "0155", "OSLO\u200f"),
            ("Rene\u0301 A\u030asheim", "Bjo\u0308rkeveien 3", "2315", "HAMAR"),  # combining
            # a tab and a new line in the name, a carriage return ending the street
            ("Kari\tNordmann\nc/o Ola Nordmann", "Storgata\t1\r\n", "0155", "OSLO"),
            ("Kari Nordmann 😀", "Storgata 1", "0155", "OSLO"),  # an emoji the font has
        ],
        technician_name="<i>Ola</i> &amp; {{ tech }}",
    ),
    # Characters DejaVu Sans (the letters' font on Debian) lacks: emoji, Chinese.
    "missing-glyphs": _customers(
        [
            ("Kari Nordmann 🎉", "Storgata 1", "0155", "OSLO"),
            ("王小明", "Storgata 2", "0155", "OSLO"),
            ("Ola Nordmann", "Storgata 3 🏠", "0155", "OSLO 北"),
        ]
    ),
}

#: The sets whose every letter must go the direct way.
ALL_DIRECT = ("ordinary", "norwegian", "sami", "companies")
#: Letters per set that cannot go the direct way: slots that do not fit, missing glyphs.
MUST_FALL_BACK = {"long": 3, "missing-glyphs": 3}

CASES = [(name, i) for name, letters in SETS.items() for i in range(len(letters))]
CASE_IDS = [f"{name}-{i}" for name, i in CASES]


@dataclass(frozen=True)
class Rendered:
    fast: list[bytes]
    reference: list[bytes]
    counts: dict[str, Any]  # RenderStats of the fast renderer: what rendering the set added


def _added(after: RenderStats, before: RenderStats) -> dict[str, Any]:
    """What each RenderStats field grew by (ints and Counters subtract alike)."""
    return {f.name: getattr(after, f.name) - getattr(before, f.name) for f in fields(after)}


@pytest.fixture(scope="module")
def renderers() -> tuple[LetterRenderer, LetterRenderer]:
    return LetterRenderer(processes=1), LetterRenderer(processes=1, fast=False)


@pytest.fixture(scope="module")
def rendered(renderers: tuple[LetterRenderer, LetterRenderer]) -> Callable[[str], Rendered]:
    """Each set rendered once per module by each renderer (a set is one batch)."""
    fast, reference = renderers
    done: dict[str, Rendered] = {}

    def get(name: str) -> Rendered:
        if name not in done:
            before = copy.deepcopy(fast.stats)
            fast_pdfs = fast.render_batch(SETS[name])
            counts = _added(fast.stats, before)
            done[name] = Rendered(fast_pdfs, reference.render_batch(SETS[name]), counts)
        return done[name]

    return get


def _assert_same_page(fast: bytes, reference: bytes, evidence: Path, name: str) -> None:
    """One page each, of the same size, that look the same (else PNGs in ``evidence``)."""
    a, b = pdfcompare.first_page(fast), pdfcompare.first_page(reference)
    assert (a.pages, b.pages) == (1, 1), f"{name}: pages fast {a.pages}, reference {b.pages}"
    assert pdfcompare.same_size(a, b), f"{name}: page size fast {a.size}, reference {b.size}"
    assert a.pixels.shape == b.pixels.shape
    comparison = pdfcompare.compare_pixels(a.pixels, b.pixels)
    if not comparison.same:
        paths = pdfcompare.save_evidence(evidence, name, a.pixels, b.pixels)
        pytest.fail(f"{name}: {comparison}; see {', '.join(map(str, paths))}")


def _assert_same_words(fast: bytes, reference: bytes, name: str) -> None:
    """PDFium reads the same words at the same places; pypdf the same words, if it can."""
    reference_words = pdfcompare.words(reference)
    missing, extra = pdfcompare.word_differences(pdfcompare.words(fast), reference_words)
    assert not missing and not extra, (
        f"{name}: words of the reference missing on the fast page: "
        f"{', '.join(map(str, missing)) or 'none'}; "
        f"words only on the fast page: {', '.join(map(str, extra)) or 'none'}"
    )
    pypdf_reference = pdfcompare.pypdf_words(reference)
    if pypdf_reference == Counter(w.text for w in reference_words):
        assert pdfcompare.pypdf_words(fast) == pypdf_reference, f"{name}: pypdf reads otherwise"


# -- the same letter ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "i"), CASES, ids=CASE_IDS)
def test_the_fast_letter_looks_the_same(
    rendered: Callable[[str], Rendered], tmp_path: Path, name: str, i: int
) -> None:
    pdfs = rendered(name)
    _assert_same_page(pdfs.fast[i], pdfs.reference[i], tmp_path, f"{name}-{i}")


@pytest.mark.parametrize(("name", "i"), CASES, ids=CASE_IDS)
def test_the_fast_letter_has_the_same_words(
    rendered: Callable[[str], Rendered], name: str, i: int
) -> None:
    pdfs = rendered(name)
    _assert_same_words(pdfs.fast[i], pdfs.reference[i], f"{name}-{i}")


@pytest.mark.parametrize("name", list(SETS))
def test_the_direct_path_is_used_and_every_other_letter_counted(
    rendered: Callable[[str], Rendered], name: str
) -> None:
    counts = rendered(name).counts
    letters = len(SETS[name])
    assert "direct" in counts and "fallbacks" in counts, (
        f"RenderStats has no direct/fallbacks counts (issue 17): {sorted(counts)}"
    )
    fallbacks = sum(counts["fallbacks"].values())
    # Every letter made in this process once: straight into the PDF, or another way and
    # counted there by its reason.
    assert counts["direct"] + counts["overlay"] + counts["full"] == letters, counts
    assert counts["direct"] + fallbacks == letters, counts
    if name in ALL_DIRECT:
        assert counts["direct"] == letters, counts
    assert fallbacks >= MUST_FALL_BACK.get(name, 0), counts


# -- the comparison can fail --------------------------------------------------------------


def _evidence(failed: pytest.ExceptionInfo[BaseException]) -> list[Path]:
    """The files a failed page comparison names."""
    return [Path(p) for p in str(failed.value).split("; see ", 1)[1].split(", ")]


def test_a_different_letter_is_seen(
    rendered: Callable[[str], Rendered],
    renderers: tuple[LetterRenderer, LetterRenderer],
    tmp_path: Path,
) -> None:
    """Another booking code, a name one letter off, an added full stop: the page and the
    words differ from the reference of the letter, and the pages are saved to look at."""
    original = SETS["ordinary"][0]
    reference = rendered("ordinary").reference[0]
    fast, _ = renderers
    variants = {
        "code": replace(original, booking_code="ACDE-FH36"),
        "name": replace(original, customer_name="Berit Nordbu"),
        "stop": replace(original, order_no=f"{original.order_no}."),
    }
    for (what, letter), pdf in zip(
        variants.items(), fast.render_batch(list(variants.values())), strict=True
    ):
        assert letter != original
        with pytest.raises(pytest.fail.Exception, match=f"^{what}: .* pixels differ") as failed:
            _assert_same_page(pdf, reference, tmp_path, what)
        paths = _evidence(failed)
        assert [p.name for p in paths] == [
            f"{what}-fast.png",
            f"{what}-reference.png",
            f"{what}-difference.png",
        ]
        assert all(p.stat().st_size > 0 for p in paths)
        with pytest.raises(AssertionError, match=f"^{what}: words of the reference missing"):
            _assert_same_words(pdf, reference, what)


def test_a_glyph_too_like_another_for_100_dpi_is_seen_by_its_words(
    rendered: Callable[[str], Rendered], renderers: tuple[LetterRenderer, LetterRenderer]
) -> None:
    """A name with l for i ("Berlt") differs by one pixel at 100 dpi: its words differ."""
    reference = rendered("ordinary").reference[0]
    fast, _ = renderers
    (pdf,) = fast.render_batch([replace(SETS["ordinary"][0], customer_name="Berlt Nordby")])
    with pytest.raises(AssertionError, match="'Berit' at .* only on the fast page: 'Berlt'"):
        _assert_same_words(pdf, reference, "Berlt")


def test_a_word_moved_two_pixels_is_seen_one_pixel_is_not(
    rendered: Callable[[str], Rendered],
) -> None:
    """The tolerance: a word one pixel (0.25 mm) off passes, two pixels (0.5 mm) do not."""
    page = pdfcompare.first_page(rendered("ordinary").reference[0]).pixels
    top = int(np.argwhere(page < 128)[:, 0].min())  # the company name, at the top
    band = page[top - 2 : top + 26]
    columns = np.flatnonzero((band < 128).any(axis=0))
    word = (slice(top - 2, top + 26), slice(int(columns[0]) - 2, int(columns[-1]) + 3))
    for shift, same in ((1, True), (2, False)):
        moved = page.copy()
        moved[word] = 255
        moved[word[0], word[1].start + shift : word[1].stop + shift] = page[word]
        assert pdfcompare.compare_pixels(moved, page).same is same, shift
