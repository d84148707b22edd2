"""amsplan.domain.rules: deadlines, reminder due times and follow-up importance (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from amsplan.domain import followups, rules

OSLO = ZoneInfo("Europe/Oslo")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO).astimezone(UTC)


@pytest.mark.parametrize(
    ("since", "deadline"),
    [
        (local(2026, 3, 25, 10), local(2026, 4, 1, 10)),  # into summer time: 167 hours
        (local(2026, 10, 21, 10), local(2026, 10, 28, 10)),  # into winter time: 169 hours
        (local(2026, 4, 1, 10), local(2026, 4, 8, 10)),
    ],
)
def test_days_are_calendar_days_in_local_time(since, deadline):
    assert rules.booking_deadline(since, "letter", 7, 48, OSLO) == deadline
    assert abs(deadline - since - timedelta(days=7)) <= rules.DST_MARGIN


def test_hours_are_elapsed_hours_and_a_naive_time_is_utc():
    since = datetime(2026, 3, 28, 10)  # naive, as SQLite returns it
    assert rules.booking_deadline(since, "sms", 7, 48, OSLO) == datetime(
        2026, 3, 30, 10, tzinfo=UTC
    )
    assert rules.booking_deadline(local(2026, 4, 1, 10), None, 1.5, 48, OSLO) == local(
        2026, 4, 2, 22
    )


def test_an_appointment_reminder_is_never_due_at_or_after_the_visit():
    now, visit = local(2026, 4, 21, 21, 30), local(2026, 4, 22, 7)
    quiet_until = local(2026, 4, 22, 9)
    assert rules.appointment_reminder_due(quiet_until, visit) is None
    assert rules.appointment_reminder_due(visit, visit) is None
    early = local(2026, 4, 21, 20, 30)
    assert rules.appointment_reminder_due(early, visit) == early
    assert now < visit  # the run itself is before the visit; quiet hours push it past


def test_the_most_important_reason_is_shown_first():
    assert followups.by_importance(["manual", "reply", "cancelled", "no_answer"]) == [
        "cancelled", "reply", "no_answer", "manual",
    ]  # fmt: skip
    assert followups.summary_kind(None, "manual")
    assert followups.summary_kind("reply", "reply")  # the newer reason of the same kind
    assert followups.summary_kind("no_answer", "reply")
    assert not followups.summary_kind("cancelled", "reply")
    assert followups.rank("something new") == len(followups.FollowupKind)


def test_every_reply_outcome_is_documented():
    from pathlib import Path

    from amsplan.services.replies import OUTCOMES

    doc = (Path(__file__).parents[2] / "docs" / "replies-and-reminders.md").read_text("utf-8")
    documented = {line.split("|")[1].strip() for line in doc.splitlines() if line.startswith("| ")}
    assert set(OUTCOMES) <= documented, set(OUTCOMES) - documented
