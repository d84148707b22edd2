"""What a re-import may do to an order it knows (amsplan.domain.reimport, pure)."""

from __future__ import annotations

from datetime import datetime, time

from amsplan.domain import reimport

OLD = {
    "customer_name": "Kari", "street": "Storgata 1", "postcode": "2317", "city": "HAMAR",
    "phone": "41234567", "mobile": "+4741234567", "description": "",
}  # fmt: skip


def test_booked_is_a_status_of_the_booking_or_a_live_code():
    assert reimport.is_booked("ready_to_print", None)
    assert reimport.is_booked("in_progress", None)
    assert not reimport.is_booked("planning", None)
    assert reimport.is_booked("planning", "ABC123")
    assert not reimport.is_booked("closed", None)


def test_contact_changes_are_listed_in_order_and_other_fields_are_not():
    new = {**OLD, "street": "Nygata 2", "phone": "", "mobile": None, "description": "Hund"}
    assert reimport.contact_changes(OLD, new) == ["street", "phone", "mobile"]
    assert reimport.contact_changes(OLD, {"description": "x"}) == []


def test_blanking_required_fields_and_the_phone_of_an_sms_booking():
    new = {**OLD, "street": "", "phone": "", "mobile": None}
    assert reimport.blanked(OLD, new, "letter") == ["street"]
    assert reimport.blanked(OLD, new, "sms") == ["street", "phone"]
    assert reimport.blanked({**OLD, "street": ""}, {"street": ""}, None) == []  # was empty


def test_purged_orders_keep_their_personal_fields():
    kept, restored = reimport.without_personal(
        {"customer_name": "(anonymisert)", "street": "", "stage": "E1"},
        {"customer_name": "Kari", "street": "Storgata 1", "stage": "E2"},
    )
    assert (kept, restored) == ({"stage": "E2"}, True)
    assert reimport.without_personal({"street": ""}, {"street": ""}) == ({}, False)


def test_change_text_shows_old_and_new():
    assert reimport.change_text(OLD, {"street": "Nygata 2"}, ["street"], {}) == (
        "street: 'Storgata 1' → 'Nygata 2'"
    )


def test_outside_hours_by_start_and_end():
    day = datetime(2026, 4, 22, 8, 0)
    assert reimport.outside_hours(day, 60, time(9), time(16))
    assert reimport.outside_hours(day, 60, time(7), time(8, 30))
    assert not reimport.outside_hours(day, 60, time(8), time(9))
