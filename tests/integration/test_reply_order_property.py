"""Property (issue 12): however the customers' answers arrive (shuffled within files,
delivered late, past the deadline and past reminder runs, delivered twice), each order ends
where the customer's last answer in received order puts it, and no "no answer" SMS goes
out once an answer received before the deadline has been ingested.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from amsplan.domain.replies import is_confirmation
from amsplan.services import booking, outbox, reminders, replies
from amsplan.store.models import Order, Sms
from tests.helpers import assign_all, seed

BOOKED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)  # 10:00 in Oslo
DEADLINE = BOOKED + timedelta(hours=48)  # sms_after_hours
ANSWERS = ["OK", "ok", "KONTAKT", "KONTAKT ring meg", "Passer ikke"]


def scenario(rng: random.Random, codes: dict[str, str]):
    """Every answer (received before the deadline) and when it is delivered to amsplan."""
    messages = []  # (delivered, received, order_no, text, provider_id)
    serial = 0
    for n, order_no in enumerate(sorted(codes), start=1):
        for minute in sorted(rng.sample(range(1, 48 * 60), rng.randint(0, 3))):
            received = BOOKED + timedelta(minutes=minute)
            serial += 1
            text = f"{codes[order_no]} {rng.choice(ANSWERS)}"
            line = (received, f"+474000000{n}", text, f"SM{serial:032d}")
            delays = [rng.randint(0, 4 * 24 * 60)]
            if rng.random() < 0.3:  # the provider delivers it twice
                delays.append(rng.randint(0, 5 * 24 * 60))
            messages += [(received + timedelta(minutes=d), order_no, line) for d in delays]
    return messages


def expected(messages) -> dict[str, tuple[str, str | None]]:
    last: dict[str, tuple[datetime, str]] = {}
    for _, order_no, (received, _, text, _) in messages:
        if order_no not in last or received > last[order_no][0]:
            last[order_no] = (received, text.split(" ", 1)[1])
    return {
        no: ("ready_for_execution", None)
        if is_confirmation(answer, "OK")
        else ("manual_followup", f"customer replied: {answer}")
        for no, (_, answer) in last.items()
    }


@pytest.mark.parametrize("seed_no", range(4))
def test_the_customers_last_answer_decides(workspace, tmp_path, seed_no):
    rng = random.Random(seed_no)
    numbers = seed(workspace, 6)
    assign_all(workspace, numbers)
    codes = dict(booking.book_by_sms(workspace.context(now=BOOKED), numbers).moved)
    messages = scenario(rng, codes)
    sent = tmp_path / "sent"
    sent.mkdir()

    # Replies are ingested every 6 hours; cron runs reminders and exports SMS at random times.
    ingests = [BOOKED + timedelta(hours=6 * i) for i in range(1, 29)]
    crons = sorted(DEADLINE + timedelta(minutes=rng.randint(0, 5 * 24 * 60)) for _ in range(6))
    crons.append(ingests[-1] + timedelta(minutes=1))
    first_ingest: dict[str, datetime] = {}
    events = sorted([(t, "ingest") for t in ingests] + [(t, "cron") for t in crons])
    previous = BOOKED
    for i, (now, kind) in enumerate(events):
        ctx = workspace.context(now=now)
        if kind == "cron":
            reminders.run(ctx)
            outbox.export(ctx, sent)
            continue
        batch = [m for m in messages if previous < m[0] <= now]
        previous = now
        if not batch:
            continue
        rng.shuffle(batch)
        path = tmp_path / f"svar-{i}.csv"
        rows = ["Mottatt;Avsender;Melding;ID"]
        for _, order_no, (received, sender, text, provider_id) in batch:
            rows.append(f"{received.isoformat()};{sender};{text};{provider_id}")
            first_ingest.setdefault(order_no, now)
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        replies.ingest(ctx, path)

    want = expected(messages)
    with workspace.context().session(readonly=True) as s:
        orders = {o.order_no: o for o in s.exec(select(Order))}
        no_answer = list(s.exec(select(Sms).where(Sms.kind == "booking_reminder")))
    for order_no in numbers:
        o = orders[order_no]
        if order_no in want:
            got = (o.status, o.followup_reason if o.status == "manual_followup" else None)
            assert got == want[order_no], (order_no, messages)
        else:
            assert (o.status, o.followup_kind) == ("manual_followup", "no_answer")
    by_id = {o.id: o.order_no for o in orders.values()}
    for message in no_answer:
        order_no = by_id[message.order_id]
        if order_no in want:  # answered before the deadline
            assert message.status != "queued", order_no
            if message.status == "exported":
                assert message.exported_at.replace(tzinfo=UTC) < first_ingest[order_no]
