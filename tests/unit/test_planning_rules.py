"""Planning's rules without a database: slot conflicts, a day's problem, refusals to
book, sequences, closed days, public holidays (amsplan.domain.slots, .holidays)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from amsplan.domain.holidays import public_holiday
from amsplan.domain.slots import (
    ASSIGNABLE,
    RESCHEDULABLE,
    Allow,
    Busy,
    WorkDay,
    closed_reason,
    consecutive,
    day_problem,
    sequence,
    slot_problems,
    slot_refusal,
)
from amsplan.domain.statuses import Status
from amsplan.domain.technicians import problems as tech_problems

DAY = date(2026, 4, 22)  # a Wednesday
NOW = datetime(2026, 4, 20, 9, 0)
T01 = WorkDay("T01", DAY, time(7), time(16), "12345")


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


def visit(order_no: str, hour: int, minutes: int = 60) -> Busy:
    return Busy(order_no, at(hour), at(hour) + timedelta(minutes=minutes))


def test_free_slots_on_an_open_day_have_no_problems():
    moving = [visit("A", 8), visit("B", 9)]
    problems = slot_problems(T01, NOW, [("A", Status.OPEN), ("B", Status.PLANNING)], moving,
                             [visit("X", 10)], ASSIGNABLE, "assigned", Allow())  # fmt: skip
    assert problems == []


def test_every_problem_is_listed():
    moving = [visit("A", 6, 90), visit("B", 7), visit("C", 15, 120)]
    statuses = [("A", Status.OPEN), ("B", Status.CLOSED), ("C", Status.OPEN)]
    problems = slot_problems(
        T01, NOW, statuses, moving, [visit("X", 7)], ASSIGNABLE, "assigned", Allow()
    )
    assert problems == [
        "B: is Closed; only Open, Planning, Reopened, Manual follow-up orders can be assigned",
        "A: 06:00-07:30 is outside T01's working hours 07:00-16:00",
        "C: 15:00-17:00 is outside T01's working hours 07:00-16:00",
        "A: 06:00-07:30 overlaps X (07:00-08:00)",
        "B: 07:00-08:00 overlaps X (07:00-08:00)",
        "A: 06:00-07:30 overlaps B (07:00-08:00)",
    ]


def test_a_closed_day_is_one_problem_and_hides_the_past():
    away = WorkDay("T01", DAY, time(7), time(16), "12345", absence="kurs")
    late = datetime(2026, 4, 23, 8)  # the day has passed
    problems = slot_problems(away, late, [("A", Status.PLANNING)], [visit("A", 8)], [],
                             RESCHEDULABLE, "moved", Allow())  # fmt: skip
    assert problems == ["T01 Wednesday 22.04.2026 is in the past"]
    today = datetime.combine(DAY, time(9))
    problems = slot_problems(T01, today, [("A", Status.PLANNING)], [visit("A", 8)], [],
                             RESCHEDULABLE, "moved", Allow())  # fmt: skip
    assert problems == ["A: 22.04.2026 08:00 is in the past (now 22.04.2026 09:00)"]


def test_day_problem_names_the_technician_and_honours_what_is_allowed():
    saturday = WorkDay("T01", date(2026, 4, 25), time(7), time(16), "12345")
    assert day_problem(saturday, NOW.date(), Allow()).startswith(
        "T01 Saturday 25.04.2026 is not one of the technician's working days (Mon-Fri)"
    )
    assert day_problem(saturday, NOW.date(), Allow(weekend=True)) is None
    holiday = WorkDay(
        "T01", date(2026, 5, 1), time(7), time(16), "12345", holiday="Arbeidernes dag"
    )
    assert "public holiday (Arbeidernes dag)" in (day_problem(holiday, NOW.date(), Allow()) or "")
    assert day_problem(holiday, NOW.date(), Allow(holiday=True)) is None
    away = WorkDay("T01", DAY, time(7), time(16), "12345", absence="")
    assert day_problem(away, NOW.date(), Allow(weekend=True, holiday=True)) == (
        "T01 Wednesday 22.04.2026: the technician is away"
    )


def test_slot_refusal_past_or_taken():
    mine = visit("A", 8)
    assert slot_refusal(mine, NOW, [mine, visit("B", 10)]) is None
    assert slot_refusal(mine, NOW, [mine, visit("B", 8, 30)]) == (
        "its slot 22.04.2026 08:00-09:00 is taken by B (08:00-08:30)"
    )
    late = datetime(2026, 4, 22, 8, 30)
    assert slot_refusal(mine, late, [mine]) == (
        "the appointment 22.04.2026 08:00 is in the past (now 22.04.2026 08:30)"
    )
    assert slot_refusal(mine, None, [mine]) is None  # the past not asked about


def test_sequence_is_by_start_then_number():
    day = [visit("C", 10), visit("B", 8), visit("A", 12), visit("D", 8)]
    assert sequence(day) == {"B": 1, "D": 2, "C": 3, "A": 4}


def test_consecutive_plan():
    plan = consecutive(at(8), [timedelta(minutes=30), timedelta(hours=1)])
    assert plan == [(at(8), timedelta(minutes=30)), (at(8, 30), timedelta(hours=1))]


def test_closed_reason_in_the_calendars_words():
    assert closed_reason("12345", None, "syk", DAY) == "away (syk)"
    assert closed_reason("12345", "1. mai", "", DAY) == "away"
    assert closed_reason("12345", "1. mai", None, DAY) == "public holiday (1. mai)"
    assert closed_reason("1245", None, None, DAY) == "not a working day"
    assert closed_reason("", None, None, DAY) is None  # no days given: Monday to Friday


def test_public_holidays_by_country():
    assert public_holiday("NO", date(2026, 5, 17)) is not None
    assert public_holiday("NO", DAY) is None
    assert public_holiday("XX", date(2026, 5, 17)) is None  # a country the library lacks


def test_a_technicians_id_name_and_hours():
    assert tech_problems("T01", "Ola", time(7), time(15)) == []
    assert tech_problems("../T1", " ", time(15), time(7)) == [
        "id '../T1' must be 1-40 letters, digits, '.', '_' or '-'",
        "name is missing",
        "working hours 15:00-07:00 end before they start",
    ]
    assert tech_problems("T.1-a_b", "Ola\u202e", time(7), time(8)) == [
        "name contains control characters"
    ]
