"""Fuzzed mail through the whole ingest, on both databases: broken MIME, wrong charsets,
HTML-only mail, headers with injected newlines, random bytes and random damage. Every
message is stored (nothing raises, nothing is lost), and nothing in quoted text ever
confirms an order, whoever sends it."""

from __future__ import annotations

import random

from sqlmodel import select

from amsplan.domain import codes
from amsplan.services.mailreplies import ingest_mails
from amsplan.store.models import Order, Reply
from tests.data.mail.build import booked_by_email, bounce, reply
from tests.unit.test_mailin import BROKEN

SUBJECTS = ["SV: Bytte", "Re: kode ACDE-7FHA OK", "Autosvar: Bytte"]
# Header values with newlines in them: encoded (RFC 2047), a bare CR, a folded header.
INJECTED = [
    b"Subject: SV: Bytte",
    b"Subject: =?utf-8?q?SV=0D=0ABcc=3A_x=40y=2Eno=0D=0A=0D=0AOK?=",
    b"Subject: Hei\rBcc: x@y.no",
    b"Subject: Hei\r\n\tfortsatt\r\nFrom: =?utf-8?q?x=0A@y.no?=",
]
OWN_TEXTS = ["", "Hei", "OK takk", "Ok!", "Ja, OK", "KONTAKT", "ok ok", "Nei", "O K", "Æ ø å"]


def quoted_ok(code: str, style: int) -> tuple[str | None, str | None]:
    """(text, html) quoting "CODE OK" in one of several ways."""
    line = f"{codes.format_code(code)} OK"
    return [
        (f"\n\n> {line}\n", None),
        (
            f"\n\nDen tir. 14. apr. 2026 kl. 10:00 skrev Kari <kari@example.no>:\n> {line}\n",
            None,
        ),  # fmt: skip
        (f"\n\n-----Original Message-----\nFrom: x\nSent: y\nSubject: z\n\n{line}\n", None),
        (f"\n\n________________________________\nFra: x\nSendt: y\nEmne: z\n\n{line}", None),
        (None, f'<div>{{own}}</div><div class="gmail_quote"><blockquote>{line}</blockquote></div>'),
        (None, f'<p>{{own}}</p><div id="divRplyFwdMsg"><b>From:</b> x</div><p>{line}</p>'),
        (None, f"<p>{{own}}</p><blockquote type=cite><p>{line}</p></blockquote>"),
    ][style]


def damaged(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data))
        data[at : at + rng.randint(0, 3)] = rng.choice([b"\r\n", b"\x00", b"=?", b"\xff", b""])
    return bytes(data)


def test_fuzzed_mail_is_stored_and_quoted_text_never_confirms(workspace):
    booked = booked_by_email(workspace, 6)
    rng = random.Random(16)
    mails: list[bytes] = list(BROKEN)
    for n in range(120):
        _, code, address = rng.choice(booked)
        sender = address if rng.random() < 0.5 else f"annen{n}@example.no"
        own = rng.choice(OWN_TEXTS)
        text, html = quoted_ok(code, rng.randrange(7))
        raw = reply(sender, own + text if text is not None else None, rng.choice(SUBJECTS),
                    html=html.replace("{own}", own) if html else None,
                    charset=rng.choice(["utf-8", "iso-8859-1"]))  # fmt: skip
        raw = raw.replace(b"Subject: SV: Bytte", rng.choice(INJECTED), 1)
        mails.append(damaged(raw, rng) if n % 3 == 0 else raw)
    mails += [bounce("<booking-1@nettselskap.no>", message_id=f"<b{n}@x>")[: 200 * n] for n in
              range(1, 6)]  # truncated bounces  # fmt: skip
    mails += [rng.randbytes(rng.randrange(1, 2000)) for _ in range(20)]

    named = [(f"m{i}", raw, None) for i, raw in enumerate(mails)]
    result = ingest_mails(workspace.context(), "fuzz", named)

    assert result.committed == [n for n, _, _ in named]
    with workspace.context().session() as s:
        stored = s.exec(select(Reply)).all()
        statuses = {o.status for o in s.exec(select(Order))}
    # Every message is one reply (the same bytes twice, or the same Message-ID, once).
    distinct = {mailin_identity(raw) for raw in mails}
    assert len(stored) == result.new == len(distinct)
    assert "ready_for_execution" not in statuses
    assert "confirmed" not in result.outcomes, result.outcomes
    assert result.outcomes["followup"] and result.outcomes["auto_reply"], result.outcomes


def mailin_identity(raw: bytes) -> str:
    from amsplan.adapters import mailin

    return mailin.parse(raw).message_id or raw.hex()
