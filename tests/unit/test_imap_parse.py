"""adapters.imap's reading of FETCH answers, as servers other than Dovecot write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from amsplan.adapters import imap


def test_uid_and_internaldate_in_any_order_and_around_the_literal():
    data = [
        (b'1 (UID 7 INTERNALDATE " 5-Apr-2026 23:30:00 -0130" BODY[] {3}', b"one"),
        b")",
        (b"2 (BODY[] {3}", b"two"),  # Exchange-style: the rest after the literal
        b' UID 9 INTERNALDATE "15-Apr-2026 10:00:00 +0200")',
        b"3 (FLAGS (\\Seen))",  # an unrelated update in between
        (b"4 (UID 11 BODY[] {5}", b"three"),  # no INTERNALDATE: not taken
        b")",
    ]
    found = dict(imap._parse_fetch(data))
    assert found == {
        "7": (
            b"one",
            datetime(2026, 4, 5, 23, 30, tzinfo=timezone(-timedelta(hours=1, minutes=30))),
        ),
        "9": (b"two", datetime(2026, 4, 15, 8, 0, tzinfo=UTC)),
    }


def test_batches_keep_to_the_count_and_the_bytes_and_a_big_message_goes_alone():
    uids = [str(n) for n in range(1, 121)]
    sizes = dict.fromkeys(uids, 1000) | {"60": imap.BATCH_BYTES + 1}
    batches = list(imap._batches(uids, sizes))
    assert [len(b) for b in batches] == [50, 9, 1, 50, 10]
    assert batches[2] == ["60"] and sum(batches, []) == uids


def test_uid_sets_are_ranges():
    assert imap._uid_set(["5", "1", "2", "3", "9", "10", "12"]) == "1:3,5,9:10,12"
