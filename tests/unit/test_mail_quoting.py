"""The customer's own text in a reply by e-mail (domain.mail.own_text) and the answer in
it (without_signature), for the quoting styles of the mail clients Norwegian customers
use, in Norwegian and English. Each sample is the plain text the client writes (the
booking e-mail it quotes holds the code ACDE-7FHA): the answer is exactly the customer's
words, and the code is never in it.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amsplan.domain.mail import own_text, without_signature

CODE = "ACDE-7FHA"
BOOKING = f"""Hei!

Vi kommer for å bytte strømmåleren din onsdag 22. april kl. 08:00-09:00.
Svar på denne e-posten med OK for å bekrefte, eller KONTAKT om tiden ikke passer.
Bookingkode: {CODE}

Med vennlig hilsen
Netteier AS"""


def quoted(text: str = BOOKING) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


# (client, the mail's text, the customer's answer)
STYLES = [
    (
        "Gmail web, Norwegian",
        f"""OK

Den tir. 14. apr. 2026 kl. 10:00 skrev Netteier AS <booking@nettselskap.no>:

{quoted()}
""",
        "OK",
    ),
    (
        "Gmail web, Norwegian, the attribution wrapped",
        f"""OK, det passer fint

Den tir. 14. apr. 2026 kl. 10:00 skrev Netteier AS <
booking@nettselskap.no>:

{quoted()}
""",
        "OK, det passer fint",
    ),
    (
        "Gmail web, English",
        f"""OK

On Tue, 14 Apr 2026 at 10:00, Netteier AS <booking@nettselskap.no> wrote:

{quoted()}
""",
        "OK",
    ),
    (
        "Gmail web, English, the attribution wrapped",
        f"""OK

On Tue, 14 Apr 2026 at 10:00, Netteier AS <booking@nettselskap.no>
wrote:

{quoted()}
""",
        "OK",
    ),
    (
        "Apple Mail on the iPhone, Norwegian",
        f"""OK

Sendt fra min iPhone

> 14. apr. 2026 kl. 10:00 skrev Netteier AS <booking@nettselskap.no>:
>
{quoted()}
""",
        "OK",
    ),
    (
        "Apple Mail on a Mac, Norwegian",
        f"""Ok

> 14. apr. 2026 kl. 10:00 skrev Netteier AS <booking@nettselskap.no>:
>
{quoted()}
""",
        "Ok",
    ),
    (
        "Apple Mail on the iPhone, English",
        f"""KONTAKT

Sent from my iPhone

> On 14 Apr 2026, at 10:00, Netteier AS <booking@nettselskap.no> wrote:
>
{quoted()}
""",
        "KONTAKT",
    ),
    (
        "Apple Mail, the attribution not quoted",
        f"""OK

14. apr. 2026 kl. 10:00 skrev Netteier AS <booking@nettselskap.no>:

{BOOKING}
""",
        "OK",
    ),
    (
        "Outlook desktop, Norwegian (Opprinnelig melding)",
        f"""OK

-----Opprinnelig melding-----
Fra: Netteier AS <booking@nettselskap.no>
Sendt: tirsdag 14. april 2026 10:00
Til: Kari Nordmann <kari@example.no>
Emne: Bytte av strømmåler – kode {CODE}

{BOOKING}
""",
        "OK",
    ),
    (
        "Outlook desktop, English (Original Message)",
        f"""OK

-----Original Message-----
From: Netteier AS <booking@nettselskap.no>
Sent: Tuesday, April 14, 2026 10:00 AM
To: Kari Nordmann <kari@example.no>
Subject: Bytte av strømmåler – kode {CODE}

{BOOKING}
""",
        "OK",
    ),
    (
        "Outlook desktop, Norwegian header block",
        f"""Passer ikke, ring meg.

Med vennlig hilsen
Kari Nordmann

Fra: Netteier AS <booking@nettselskap.no>
Sendt: tirsdag 14. april 2026 10:00
Til: Kari Nordmann <kari@example.no>
Emne: Bytte av strømmåler – kode {CODE}

{BOOKING}
""",
        "Passer ikke, ring meg.",  # the sign-off and the name under it are the signature
    ),
    (
        "Outlook desktop, English header block in bold (from HTML)",
        f"""OK

*From:* Netteier AS <booking@nettselskap.no>
*Sent:* Tuesday, April 14, 2026 10:00 AM
*To:* Kari Nordmann <kari@example.no>
*Subject:* Bytte av strømmåler – kode {CODE}

{BOOKING}
""",
        "OK",
    ),
    (
        "Outlook on the web, Norwegian",
        f"""OK

Hentet fra Outlook for Android
________________________________
Fra: Netteier AS <booking@nettselskap.no>
Sendt: tirsdag 14. april 2026 10:00
Til: Kari Nordmann <kari@example.no>
Emne: Bytte av strømmåler – kode {CODE}

{BOOKING}
""",
        "OK",
    ),
    (
        "Outlook on the web, English",
        f"""OK

Get Outlook for iOS
________________________________
From: Netteier AS <booking@nettselskap.no>
Sent: Tuesday, April 14, 2026 10:00
To: Kari Nordmann <kari@example.no>
Subject: Bytte av strømmåler – kode {CODE}

{BOOKING}
""",
        "OK",
    ),
    (
        "Thunderbird, Norwegian",
        f"""OK

Den 14.04.2026 10:00, Netteier AS skrev:
{quoted()}
""",
        "OK",
    ),
    (
        "Thunderbird, Norwegian (newer)",
        f"""OK

Den 14.04.2026 kl. 10:00 skrev Netteier AS:
{quoted()}
""",
        "OK",
    ),
    (
        "Thunderbird, English",
        f"""OK

On 14/04/2026 10:00, Netteier AS wrote:
{quoted()}
""",
        "OK",
    ),
    (
        "plain > quoting, bottom-posted",
        f"""Netteier AS wrote:
{quoted()}

OK
""",
        "OK",
    ),
    (
        "plain > quoting, inline",
        f"""> Vi kommer for å bytte strømmåleren din onsdag 22. april kl. 08:00-09:00.

Det passer.

> Bookingkode: {CODE}

OK
-- 
Kari Nordmann
Storgata 1, 2317 Hamar
""",
        "Det passer.\n\nOK",
    ),
    (
        "a signature after -- ",
        f"""OK
--
Kari Nordmann, tlf. 900 00 000
{quoted()}
""",
        "OK",
    ),
]


@pytest.mark.parametrize(("mail", "own"), [(m, o) for _, m, o in STYLES],
                         ids=[c for c, _, _ in STYLES])  # fmt: skip
def test_the_own_text_of_each_client(mail, own):
    found, rest = own_text(mail)
    assert without_signature(found) == own
    assert CODE not in found
    assert CODE in rest  # the code stays where an echoed code is looked for


def test_crlf_line_ends_and_no_quote_at_all():
    assert own_text("OK\r\n\r\n") == ("OK", "")
    assert own_text("") == ("", "")
    assert own_text("Hei,\r\nkan dere komme senere?\r\n")[0] == "Hei,\nkan dere komme senere?"


def test_words_that_only_look_like_a_header_are_the_customers():
    text = (
        "Den 22. passer dårlig.\n"  # starts like a date, but no "skrev ...:"
        "Kari skrev:\n"  # "<name> wrote:" with no "> " lines after it
        "Fra: oss alle\n"  # "Fra:" without "Sendt:" and "Emne:"
        "Sendt: i går\n"
        "-- ikke en signatur\n"
        "Vi er hjemme."
    )
    assert own_text(text) == (text, "")


# --- properties ----------------------------------------------------------------------------

LINES = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
        st.sampled_from([
            "> sitert", ">", "Den 1. apr. 2026 kl. 10:00 skrev X <x@y.no>:", "On Tue wrote:",
            "Fra: x", "Sendt: y", "Emne: z", "-----Original Message-----", "_" * 32, "-- ",
            "Sendt fra min iPhone", "OK", f"> {CODE}", "Kari wrote:", "1.", ":", "",
        ]),
    ),
    max_size=40,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_own_text_is_made_of_unquoted_lines_of_the_mail(lines):
    text = "\n".join(lines)
    own, rest = own_text(text)
    body = set(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for line in filter(str.strip, own.split("\n")):
        assert not line.lstrip().startswith(">")
        assert any(line.strip() == b.strip() for b in body)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=">:-_\r"),
               max_size=300), st.sampled_from([s[1] for s in STYLES]))  # fmt: skip
def test_a_code_in_the_quoted_part_never_reaches_the_own_text(own, style):
    """Whatever the customer writes above it, a quoted booking stays quoted."""
    quoted_part = style[style.index("\n\n") :] if "\n\n" in style else style
    found, _ = own_text(own + "\n" + quoted_part)
    assert CODE not in found.upper().replace(" ", "")


@pytest.mark.parametrize(
    "text",
    [
        ("Dette er en helt vanlig setning i en lang e-post fra en kunde, med ord.\n" * 70_000),
        quoted(BOOKING * 20_000),
        (STYLES[0][1] + STYLES[8][1]) * 5_000,
        "a" * 5_000_000,
        ("skrev @ " * 700_000) + ":",
        "Den 1 skrev noe\n" * 320_000,
        "\n" * 5_000_000,
        "Hilsen Kari\n",
        "OK\nMvh\n" + "Kari Nordmann, Storgata 1, 2315 Hamar, tlf 900 00 000\n" * 100_000,
    ],
    ids=[
        "prose",
        "a long quoted thread",
        "mixed clients",
        "one line",
        "one line of verbs",
        "attribution-like lines",
        "blank lines",
        "sign-offs",
        "a long signature",
    ],  # fmt: skip
)
def test_five_megabytes_in_well_under_a_second(text):
    text = (text * (5_000_000 // len(text) + 1))[:5_000_000]
    start = time.process_time()
    without_signature(own_text(text)[0])
    assert time.process_time() - start < 1.0


ADDRESS_BLOCK = """Kari Nordmann
Daglig leder
Hamar Bygg AS
Storgata 12B, 2315 Hamar
Karl Johans gate 5
N-0154 OSLO
Tlf: +47 900 00 000
Mob. (+47) 62 51 00 00
kari@hamarbygg.no | www.hamarbygg.no"""


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ("OK\n\nMvh\nMaria Andersson", "OK"),
        ("OK\nHilsen Kari", "OK"),
        ("Ok\n\nMed vennlig hilsen\nKari Nordmann\nStorgata 1, 2315 Hamar\n99 88 77 66", "Ok"),
        ("OK\n\nBest regards,\nOla", "OK"),
        ("OK\n\nmvh. Per-Olav Ødegård", "OK"),
        ("OK\nMvh Kari Nordmann\nDaglig leder", "OK"),  # a title line
        (f"OK\n\nMed vennlig hilsen\n{ADDRESS_BLOCK}", "OK"),  # a whole address block
        ("OK\nHilsen Kari, tlf. 900 00 000\nStorgata 1 2315 Hamar", "OK"),
        # Not a signature: anything else under the sign-off (a "Ps.", a time, a request, a
        # question, a sentence) keeps the whole text, and the reply goes to a person.
        ("OK\nMvh Randi\nPs. Jeg er ikke hjemme før kl 12, kom etter det",
         "OK\nMvh Randi\nPs. Jeg er ikke hjemme før kl 12, kom etter det"),
        ("OK\nMvh Kari\nkom etter kl 12", "OK\nMvh Kari\nkom etter kl 12"),
        ("OK\nMvh Kari\nKom etter kl 12", "OK\nMvh Kari\nKom etter kl 12"),
        ("OK\nMvh Kari\nEtter 12:00", "OK\nMvh Kari\nEtter 12:00"),
        ("OK\nHilsen\nRing meg", "OK\nHilsen\nRing meg"),
        ("OK\nMvh Kari\nIkke hjemme", "OK\nMvh Kari\nIkke hjemme"),
        ("OK\nMvh Kari\nIkke Hjemme", "OK\nMvh Kari\nIkke Hjemme"),
        ("OK\nMvh Kari\nPs.", "OK\nMvh Kari\nPs."),
        ("OK\nmvh ring meg", "OK\nmvh ring meg"),  # no name after the sign-off
        (f"OK\nMvh\n{ADDRESS_BLOCK}\nNei forresten", f"OK\nMvh\n{ADDRESS_BLOCK}\nNei forresten"),
        ("OK\nHilsen Kari\nKan dere ringe først?", "OK\nHilsen Kari\nKan dere ringe først?"),
        ("OK\nHilsen Kari, ring meg på 99887766", "OK\nHilsen Kari, ring meg på 99887766"),
        ("Hilsen Kari", "Hilsen Kari"),  # the whole text is the answer
        ("OK\nMvh\n1\n2\n3\n4\n5", "OK\nMvh\n1\n2\n3\n4\n5"),
        ("OK\nMvh" + "\nKari Nordmann" * 13, "OK\nMvh" + "\nKari Nordmann" * 13),  # too long
    ],
)  # fmt: skip
def test_a_sign_off_and_the_signature_under_it_are_not_the_answer(body, answer):
    """A customer who signs "OK" with "Mvh" and a name has answered OK; a line under the
    sign-off that could be a condition or a request keeps it in the answer, so such a
    reply goes to a person. Either way the own text keeps every line the customer wrote."""
    own, rest = own_text(body)
    assert without_signature(own) == answer
    assert (own, rest) == (body, "")
